/**
 * Real `zonemesh-dp` and `zonemesh-ingress` processes for the data path tests (spawned from the
 * repo root's `node_modules/.bin`, as a user runs them), tiny TCP apps that answer with their
 * name, and the client calls and scrapes the tests assert on. Every process is tracked by
 * testkit and killed if the test run dies.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type ManagedProcess, registerCleanup, startProcess } from '@zonemesh/testkit';

const bin = (name: string): string => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

/** A started proxy process. */
export interface RunningProxy {
  readonly name: string;
  readonly process: ManagedProcess;
  /** `http://127.0.0.1:<admin port>`. */
  readonly admin: string;
  /** The inbound port (sidecar) or listener port (ingress). */
  readonly port: number;
}

/** A folder for resource files, removed when the test process exits. */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zonemesh-dp-e2e-'));
  registerCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A zone control plane as the proxies see it: its zone, REST API (for tokens) and dataplane server. */
export interface ZoneControlPlane {
  /** The zone's name. */
  readonly name: string;
  readonly base: string;
  readonly dpServer: string;
}

/**
 * Asks the zone for a token with `zmctl generate ...` (as a user would) and returns the proxy's
 * flag and token file, or nothing where the control plane issues no such token.
 */
function tokenArgs(cp: ZoneControlPlane, generate: string[], flag: string, dir: string): string[] {
  try {
    const token = execFileSync(bin('zmctl'), ['--cp', cp.base, 'generate', ...generate], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 15_000,
    }).trim();
    if (token === '') return [];
    const file = join(dir, `token-${generate.join('-')}`);
    writeFileSync(file, token);
    return [flag, file];
  } catch {
    return [];
  }
}

/** Starts `zonemesh-ingress run` for a zone's dataplane server; resolves once `/ready` answers 200. */
export async function startIngress(name: string, cp: ZoneControlPlane, dir: string): Promise<RunningProxy> {
  const port = await freePort();
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `type: ZoneIngress\nname: ${name}\nnetworking:\n  address: 127.0.0.1\n  port: ${port}\n  advertisedAddress: 127.0.0.1\n  advertisedPort: ${port}\n`,
  );
  const token = tokenArgs(cp, ['zone-token', '--zone', cp.name, '--scope', 'ingress'], '--token-file', dir);
  return launch(
    name,
    bin('zonemesh-ingress'),
    ['--cp-address', cp.dpServer, '--ingress-file', file, ...token],
    port,
  );
}

/** What a sidecar serves and calls. */
export interface SidecarSpec {
  readonly name: string;
  readonly service: string;
  /** The app's port (default: a free port nobody listens on). */
  readonly appPort?: number;
  readonly outbounds?: readonly { readonly port: number; readonly service: string }[];
}

/**
 * Starts `zonemesh-dp run` with a templated dataplane file (`{{ name }}` and `{{ address }}`
 * filled by `--dataplane-var`, as kuma-dp users do); resolves once `/ready` answers 200.
 */
export async function startSidecar(
  spec: SidecarSpec,
  cp: ZoneControlPlane,
  dir: string,
): Promise<RunningProxy> {
  const port = await freePort();
  const appPort = spec.appPort ?? (await freePort());
  const file = join(dir, `${spec.name}.yaml`);
  const outbounds = (spec.outbounds ?? []).flatMap((o) => [
    `    - port: ${o.port}`,
    '      tags:',
    `        kuma.io/service: ${o.service}`,
  ]);
  writeFileSync(
    file,
    [
      'type: Dataplane',
      'mesh: default',
      'name: "{{ name }}"',
      'networking:',
      '  address: "{{ address }}"',
      '  inbound:',
      `    - port: ${port}`,
      `      servicePort: ${appPort}`,
      '      tags:',
      `        kuma.io/service: ${spec.service}`,
      ...(outbounds.length > 0 ? ['  outbound:', ...outbounds] : []),
      '',
    ].join('\n'),
  );
  const token = ['dataplane-token', '--mesh', 'default', '--name', spec.name];
  const args = [
    '--cp-address',
    cp.dpServer,
    '--dataplane-file',
    file,
    ...tokenArgs(cp, token, '--dataplane-token-file', dir),
  ];
  args.push('--dataplane-var', `name=${spec.name}`, '--dataplane-var', 'address=127.0.0.1');
  return launch(spec.name, bin('zonemesh-dp'), args, port);
}

async function launch(name: string, command: string, args: string[], port: number): Promise<RunningProxy> {
  const adminPort = await freePort();
  const admin = `http://127.0.0.1:${adminPort}`;
  const child = await startProcess({
    command,
    args: ['run', ...args, '--admin-address', `127.0.0.1:${adminPort}`],
    env: { PATH: process.env.PATH ?? '' },
    name,
    readyPort: adminPort,
    readyTimeoutMs: 30_000,
  });
  await waitUntil(`${name} ready`, async () => (await fetch(`${admin}/ready`)).status === 200, 30_000);
  return { name, process: child, admin, port };
}

/** A TCP app that answers `<name>\n` to every line, on one port it can leave and come back to. */
export interface TcpApp {
  readonly port: number;
  /** Stops listening and resets every connection (the app died). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/** Starts an app answering with `name`. */
export async function startTcpApp(name: string): Promise<TcpApp> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {});
        socket.setEncoding('utf8');
        let pending = '';
        socket.on('data', (text: string) => {
          pending += text;
          for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
            pending = pending.slice(i + 1);
            socket.write(`${name}\n`);
          }
        });
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.resetAndDestroy();
      if (server === undefined) return resolve();
      server.close(() => resolve());
    });
  await start();
  registerCleanup(() => {
    for (const socket of sockets) socket.destroy();
    server?.close();
  });
  return { port, stop, start };
}

/** Connects to `port`, sends one line, and resolves with the first line back ('' if none within `timeoutMs`). */
export function call(port: number, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write('ping\n'));
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(got.split('\n')[0] ?? '');
    };
    const timer = setTimeout(done, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      got += text;
      if (got.includes('\n')) done();
    });
    socket.on('error', done);
    socket.on('close', done);
  });
}

/** A connection kept open across calls: each `ask` sends a line and resolves with the answer line. */
export interface HeldConnection {
  ask(timeoutMs?: number): Promise<string>;
  close(): void;
}

/** Opens a connection that stays open (to show established connections survive). */
export function hold(port: number): Promise<HeldConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setEncoding('utf8');
    let buffered = '';
    let waiter: ((line: string) => void) | undefined;
    socket.on('data', (text: string) => {
      buffered += text;
      const i = buffered.indexOf('\n');
      if (i >= 0 && waiter !== undefined) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        const w = waiter;
        waiter = undefined;
        w(line);
      }
    });
    socket.on('error', () => waiter?.(''));
    socket.on('close', () => waiter?.(''));
    socket.once('connect', () =>
      resolve({
        ask: (timeoutMs = 2_000) =>
          new Promise((answer) => {
            const timer = setTimeout(() => answer(''), timeoutMs);
            waiter = (line) => {
              clearTimeout(timer);
              answer(line);
            };
            socket.write('ping\n');
          }),
        close: () => socket.destroy(),
      }),
    );
    socket.once('error', reject);
  });
}

/** The value of one sample of a Prometheus text scrape (summed over series matching `labels`). */
export async function metricValue(
  admin: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  const text = await (await fetch(`${admin}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const ok = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (ok) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Polls `check` until it holds; throws naming `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      if (await check()) return Date.now() - started;
    } catch {
      // not answering yet
    }
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
