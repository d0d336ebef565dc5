/**
 * Data path cost on loopback, in one run: 1 GiB echoed throughput and 64-byte round-trip
 * p50/p99 through zonemesh's proxy building blocks, each next to the same path through Debian's
 * haproxy (TCP mode, `nbthread 1`) or with no proxy at all. Every proxy and the echo app run in
 * their own process, as they would in a mesh; the measuring client runs in this one.
 *
 * Paths: (a) direct TCP; (b) one plain TCP hop, zonemesh pipe vs (c) haproxy; (d) mTLS client ->
 * SNI passthrough -> TLS-terminating sidecar -> app, with zonemesh's and haproxy's passthrough,
 * vs (e) the same without the passthrough; and the mesh chain that the acceptance check 31
 * measures: plain client -> originating sidecar (mTLS) -> SNI passthrough -> terminating sidecar
 * -> app, zonemesh vs three haproxy processes.
 *
 * Besides throughput and latency it reports the CPU time the proxies on a path spend per GiB:
 * on a shared 2-core machine that figure is steadier than throughput, which moves with whatever
 * else runs. The "unpooled reads" row is the same pipe with ordinary socket reads, to show what
 * the main tuning buys.
 *
 * Tuning, as measured here: reading into pooled, reused buffers (`onread`, and adopting accepted
 * sockets onto it) cut the CPU of a plain hop to about a third (below haproxy's) and lifted its
 * throughput from below haproxy's to above (a fresh 64 KiB buffer per read costs page faults
 * and stream machinery); 128-256 KiB reads beat 64 KiB ones; `setNoDelay` on every socket keeps small messages from waiting
 * on Nagle. No measurable effect: a larger writable highWaterMark, corking writes per tick,
 * AES-128-GCM instead of AES-256-GCM, `Readable.pipe` instead of the hand-written forwarder.
 *
 * This file is also the program of each child process: `--role echo|router|originator|terminator`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createCsr, createRootCa, signIntermediate, signWorkload } from '@zonemesh/pki';
import {
  createMtlsClient,
  createMtlsServer,
  createPassthroughRouter,
  type MtlsIdentity,
  pipe,
  tcpConnector,
} from '@zonemesh/proxy';
import { findBinary, freePort, type ManagedProcess, registerCleanup, startProcess } from '@zonemesh/testkit';
import { type BenchRow, report } from './report.js';

/** Bytes echoed per throughput figure. */
const throughputBytes = 1024 * 1024 * 1024;
/** Round trips per latency figure, after `rttWarmup` unmeasured ones. */
const rttSamples = 3000;
const rttWarmup = 200;
/** Each figure gives up after this long (the whole run stays around two minutes). */
const figureTimeoutMs = 60_000;
const sni = 'backend{mesh=default}';
const self = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Child roles.

interface RoleArgs {
  readonly port: number;
  readonly upstream: number;
  readonly dir: string;
  readonly sni: boolean;
  readonly pooled: boolean;
}

function identity(dir: string, service: string): MtlsIdentity {
  return {
    certChainPem: readFileSync(join(dir, `${service}.chain.pem`), 'utf8'),
    keyPem: readFileSync(join(dir, `${service}.key.pem`), 'utf8'),
    trustPem: readFileSync(join(dir, 'root.pem'), 'utf8'),
  };
}

async function runRole(role: string, args: RoleArgs): Promise<void> {
  const upstream = [{ address: '127.0.0.1', port: args.upstream }];
  switch (role) {
    case 'echo': {
      // The acceptance check's echo app, byte for byte.
      const server = net.createServer({ allowHalfOpen: true }, (c) => {
        c.on('error', () => {});
        c.pipe(c);
      });
      server.listen(args.port, '127.0.0.1');
      return;
    }
    case 'router': {
      // Zone ingress: SNI passthrough (or, without --sni, a plain TCP forwarder).
      const router = createPassthroughRouter({
        sni: args.sni,
        route: () => upstream,
        pooledReads: args.pooled,
      });
      await router.listen(args.port);
      return;
    }
    case 'originator': {
      // Source sidecar outbound: plain in, mTLS out with the Kuma SNI.
      const client = createMtlsClient(identity(args.dir, 'frontend'));
      const router = createPassthroughRouter({
        sni: false,
        route: () => upstream,
        connect: client.connector({ serverName: sni, expect: { mesh: 'default', service: 'backend' } }),
        pooledReads: args.pooled,
      });
      await router.listen(args.port);
      return;
    }
    case 'terminator': {
      // Destination sidecar inbound: mTLS in, plain to the app.
      const connect = tcpConnector();
      const server = createMtlsServer({
        identity: identity(args.dir, 'backend'),
        onConnection: ({ socket }) => {
          socket.on('error', () => {});
          connect(upstream[0] as (typeof upstream)[0], AbortSignal.timeout(5000)).then(
            (app) => void pipe(socket, app),
            () => socket.destroy(),
          );
        },
      });
      server.server.listen(args.port, '127.0.0.1');
      return;
    }
    default:
      throw new Error(`unknown role ${role}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Measurements (the same procedure as shared/acceptance/netbench.mjs, over any socket).

type Connect = () => net.Socket;

/** Echoes `bytes` through a connection; MiB/s of one direction. */
function throughput(
  connect: Connect,
  readyEvent: 'connect' | 'secureConnect',
  bytes: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(256 * 1024, 7);
    let sent = 0;
    let got = 0;
    let started = 0;
    const socket = connect();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`throughput timeout after ${got} bytes`));
    }, figureTimeoutMs);
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      socket.end();
    };
    socket.on(readyEvent, () => {
      started = performance.now();
      pump();
    });
    socket.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= bytes) {
        clearTimeout(timer);
        socket.destroy();
        resolve(bytes / 1048576 / ((performance.now() - started) / 1000));
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (got < bytes) reject(new Error(`connection closed after ${got} bytes`));
    });
  });
}

/** 64-byte ping-pong on one connection; p50 and p99 in microseconds. */
function roundTrips(
  connect: Connect,
  readyEvent: 'connect' | 'secureConnect',
): Promise<{ p50: number; p99: number }> {
  return new Promise((resolve, reject) => {
    const message = Buffer.alloc(64, 1);
    const samples: number[] = [];
    let t0 = 0;
    let pending = 0;
    let count = 0;
    const socket = connect();
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('rtt timeout'));
    }, figureTimeoutMs);
    socket.on(readyEvent, () => {
      t0 = performance.now();
      socket.write(message);
    });
    socket.on('data', (d: Buffer) => {
      pending += d.length;
      while (pending >= 64) {
        pending -= 64;
        const now = performance.now();
        if (count++ >= rttWarmup) samples.push((now - t0) * 1000);
        if (samples.length >= rttSamples) {
          clearTimeout(timer);
          socket.destroy();
          samples.sort((x, y) => x - y);
          return resolve({
            p50: samples[Math.floor(samples.length / 2)] ?? 0,
            p99: samples[Math.floor(samples.length * 0.99)] ?? 0,
          });
        }
        t0 = performance.now();
        socket.write(message);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (samples.length < rttSamples) reject(new Error('connection closed'));
    });
  });
}

interface Figure {
  readonly mibs: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU seconds the path's proxy processes spent per GiB echoed (user + system). */
  readonly cpuPerGiB: number;
}

/** User + system CPU seconds of a process so far (Linux `/proc`; 0 elsewhere). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function measure(
  connect: Connect,
  readyEvent: 'connect' | 'secureConnect',
  proxies: readonly number[],
): Promise<Figure> {
  const cpuBefore = proxies.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const mibs = await throughput(connect, readyEvent, throughputBytes);
  const cpuAfter = proxies.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const cpuPerGiB = ((cpuAfter - cpuBefore) * 1024 ** 3) / throughputBytes;
  return { mibs, cpuPerGiB, ...(await roundTrips(connect, readyEvent)) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Set-up: certificates, processes.

async function writeMeshCertificates(dir: string): Promise<void> {
  const root = await createRootCa({ mesh: 'default' });
  writeFileSync(join(dir, 'root.pem'), root.certPem);
  const zoneCsr = await createCsr({ commonName: 'zone-1' });
  const intermediate = await signIntermediate(root, zoneCsr.csrPem, { zone: 'zone-1', mesh: 'default' });
  const issuer = { certPem: intermediate.certPem, keyPem: zoneCsr.keyPem };
  for (const service of ['frontend', 'backend']) {
    const csr = await createCsr();
    const cert = await signWorkload(issuer, csr.csrPem, {
      mesh: 'default',
      inboundTags: [{ 'kuma.io/service': service }],
    });
    writeFileSync(join(dir, `${service}.chain.pem`), cert.chainPem);
    writeFileSync(join(dir, `${service}.key.pem`), csr.keyPem);
  }
}

/** The acceptance check's haproxy certificates: openssl, P-256, CN = the SNI haproxy verifies. */
function writeHaproxyCertificates(dir: string): void {
  const sh = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  sh(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=bench-ca']);
  for (const name of ['backend2', 'client']) {
    sh(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    sh([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
    ]);
    writeFileSync(
      join(dir, `${name}.pem`),
      readFileSync(join(dir, `${name}.crt`), 'utf8') + readFileSync(join(dir, `${name}.key`), 'utf8'),
    );
  }
}

const started: ManagedProcess[] = [];

async function child(role: string, port: number, upstream: number, dir: string, extra: string[] = []) {
  const proc = await startProcess({
    name: `${role}:${port}`,
    command: process.execPath,
    args: [
      self,
      '--role',
      role,
      '--port',
      String(port),
      '--upstream',
      String(upstream),
      '--dir',
      dir,
      ...extra,
    ],
    readyPort: port,
  });
  started.push(proc);
  return { port, pid: proc.pid };
}

async function haproxy(dir: string, name: string, frontend: string, backend: string, port: number) {
  const config = join(dir, `${name}.cfg`);
  writeFileSync(
    config,
    [
      'global',
      '  nbthread 1',
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      '  timeout client 60s',
      '  timeout server 60s',
      'frontend f',
      `  bind ${frontend}`,
      ...backend.split('\n').map((line) => `  ${line}`),
      '',
    ].join('\n'),
  );
  const binary = findBinary('haproxy', 'apt-get install -y haproxy');
  const proc = await startProcess({ name, command: binary, args: ['-db', '-f', config], readyPort: port });
  started.push(proc);
  return { port, pid: proc.pid };
}

// ---------------------------------------------------------------------------------------------
// The run.

/** Alternating rounds; each figure is the median of its rounds (other work shares the machine). */
const rounds = 3;

interface Path {
  readonly name: string;
  readonly hops: string;
  readonly baseline?: string;
  readonly connect: Connect;
  readonly readyEvent: 'connect' | 'secureConnect';
  /** The proxy processes on the path, whose CPU is counted. */
  readonly proxies: readonly number[];
}

async function main(): Promise<void> {
  const began = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'zonemesh-datapath-'));
  const unregister = registerCleanup(() => rmSync(dir, { recursive: true, force: true }));
  await writeMeshCertificates(dir);
  writeHaproxyCertificates(dir);
  const backend = (port: number) => `default_backend b\nbackend b\n  server s 127.0.0.1:${port}`;
  const echo = await child('echo', await freePort(), 0, dir);

  // One plain hop.
  const nodePipe = await child('router', await freePort(), echo.port, dir);
  const nodePipeUnpooled = await child('router', await freePort(), echo.port, dir, ['--no-pool']);
  const hapTcpPort = await freePort();
  const hapTcp = await haproxy(dir, 'hap-tcp', `127.0.0.1:${hapTcpPort}`, backend(echo.port), hapTcpPort);

  // mTLS through an SNI passthrough to a terminating sidecar.
  const terminator = await child('terminator', await freePort(), echo.port, dir);
  const nodeSni = await child('router', await freePort(), terminator.port, dir, ['--sni']);
  const hapSniPort = await freePort();
  const hapSni = await haproxy(
    dir,
    'hap-sni',
    `127.0.0.1:${hapSniPort}`,
    [
      'tcp-request inspect-delay 5s',
      'tcp-request content accept if { req_ssl_hello_type 1 }',
      `use_backend b if { req_ssl_sni -m str ${sni} }`,
      'backend b',
      `  server s 127.0.0.1:${terminator.port}`,
    ].join('\n'),
    hapSniPort,
  );

  // The acceptance check's mesh chain: plain -> mTLS originate -> passthrough -> terminate -> app.
  const originator = await child('originator', await freePort(), nodeSni.port, dir);
  const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
  const hap3 = await haproxy(
    dir,
    'hap3',
    `127.0.0.1:${p3} ssl crt ${dir}/backend2.pem ca-file ${dir}/ca.pem verify required`,
    backend(echo.port),
    p3,
  );
  const hap2 = await haproxy(dir, 'hap2', `127.0.0.1:${p2}`, backend(p3), p2);
  const hap1 = await haproxy(
    dir,
    'hap1',
    `127.0.0.1:${p1}`,
    `${backend(p2)} ssl crt ${dir}/client.pem ca-file ${dir}/ca.pem verify required sni str(backend2)`,
    p1,
  );

  const tcp =
    (port: number): Connect =>
    () =>
      net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  const client = identity(dir, 'frontend');
  const context = tls.createSecureContext({
    cert: client.certChainPem,
    key: client.keyPem,
    ca: client.trustPem,
  });
  const mtls =
    (port: number): Connect =>
    () =>
      tls.connect({
        host: '127.0.0.1',
        port,
        servername: sni,
        secureContext: context,
        checkServerIdentity: () => undefined,
      });

  const paths: Path[] = [
    {
      name: 'direct TCP',
      hops: 'client -> app',
      connect: tcp(echo.port),
      readyEvent: 'connect',
      proxies: [],
    },
    {
      name: 'haproxy TCP',
      hops: '1 plain hop',
      baseline: 'direct TCP',
      connect: tcp(hapTcp.port),
      readyEvent: 'connect',
      proxies: [hapTcp.pid],
    },
    {
      name: 'zonemesh pipe',
      hops: '1 plain hop',
      baseline: 'haproxy TCP',
      connect: tcp(nodePipe.port),
      readyEvent: 'connect',
      proxies: [nodePipe.pid],
    },
    {
      name: 'zonemesh pipe, unpooled reads',
      hops: '1 plain hop',
      baseline: 'haproxy TCP',
      connect: tcp(nodePipeUnpooled.port),
      readyEvent: 'connect',
      proxies: [nodePipeUnpooled.pid],
    },
    {
      name: 'direct mTLS',
      hops: 'client -mTLS-> sidecar -> app',
      connect: mtls(terminator.port),
      readyEvent: 'secureConnect',
      proxies: [terminator.pid],
    },
    {
      name: 'haproxy SNI passthrough',
      hops: '+ SNI passthrough',
      baseline: 'direct mTLS',
      connect: mtls(hapSni.port),
      readyEvent: 'secureConnect',
      proxies: [hapSni.pid, terminator.pid],
    },
    {
      name: 'zonemesh SNI passthrough',
      hops: '+ SNI passthrough',
      baseline: 'haproxy SNI passthrough',
      connect: mtls(nodeSni.port),
      readyEvent: 'secureConnect',
      proxies: [nodeSni.pid, terminator.pid],
    },
    {
      name: 'haproxy x3 mTLS chain',
      hops: 'as acceptance 31',
      baseline: 'direct TCP',
      connect: tcp(hap1.port),
      readyEvent: 'connect',
      proxies: [hap1.pid, hap2.pid, hap3.pid],
    },
    {
      name: 'zonemesh mesh chain',
      hops: 'dp -> ingress -> dp',
      baseline: 'haproxy x3 mTLS chain',
      connect: tcp(originator.port),
      readyEvent: 'connect',
      proxies: [originator.pid, nodeSni.pid, terminator.pid],
    },
  ];

  const measured = new Map<string, Figure[]>(paths.map((path) => [path.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const path of paths)
      measured.get(path.name)?.push(await measure(path.connect, path.readyEvent, path.proxies));
  }
  const figures = new Map<string, Figure>(
    [...measured].map(([name, runs]) => [
      name,
      {
        mibs: median(runs.map((r) => r.mibs)),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        cpuPerGiB: median(runs.map((r) => r.cpuPerGiB)),
      },
    ]),
  );
  const rows: BenchRow[] = paths.map((path) => {
    const figure = figures.get(path.name) as Figure;
    const base = path.baseline === undefined ? undefined : figures.get(path.baseline);
    return {
      path: path.name,
      hops: path.hops,
      'MiB/s': figure.mibs,
      'p50 µs': figure.p50,
      'p99 µs': figure.p99,
      'proxy CPU s/GiB': path.proxies.length === 0 ? '' : figure.cpuPerGiB,
      vs: path.baseline ?? '',
      'MiB/s ×': base === undefined ? '' : figure.mibs / base.mibs,
      'p50 ×': base === undefined ? '' : figure.p50 / base.p50,
      'CPU ×':
        base === undefined || path.proxies.length === 0 || base.cpuPerGiB === 0
          ? ''
          : figure.cpuPerGiB / base.cpuPerGiB,
    };
  });

  report({
    name: 'datapath',
    description:
      'Loopback data path, medians of 3 alternating rounds: 1 GiB echoed, 64-byte round trips, and CPU of the proxies on the path per GiB; × columns compare with the path in "vs" (MiB/s × >= 1, p50 × <= 1, CPU × <= 1 mean at least as good).',
    columns: [
      'path',
      'hops',
      'MiB/s',
      'p50 µs',
      'p99 µs',
      'proxy CPU s/GiB',
      'vs',
      'MiB/s ×',
      'p50 ×',
      'CPU ×',
    ],
    rows,
    settings: {
      bytes: throughputBytes,
      rttSamples,
      rounds,
      haproxy: 'nbthread 1, mode tcp',
      seconds: Math.round((performance.now() - began) / 1000),
    },
  });
  for (const proc of started.reverse()) await proc.stop('SIGTERM', 2000);
  unregister();
  rmSync(dir, { recursive: true, force: true });
}

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    port: { type: 'string' },
    upstream: { type: 'string' },
    dir: { type: 'string' },
    sni: { type: 'boolean', default: false },
    'no-pool': { type: 'boolean', default: false },
  },
});
if (values.role === undefined) {
  await main();
} else {
  await runRole(values.role, {
    port: Number(values.port),
    upstream: Number(values.upstream),
    dir: values.dir ?? '',
    sni: values.sni ?? false,
    pooled: !(values['no-pool'] ?? false),
  });
}
