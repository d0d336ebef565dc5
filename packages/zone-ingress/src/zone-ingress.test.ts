/**
 * The ingress component in this process against a fake control plane stream, with real
 * sockets: SNI routing without decryption (the client completes its TLS handshake with the
 * instance behind the ingress), and connections it cannot route closed and counted.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { IngressConfig } from '@zonemesh/api';
import { createLifecycle, createLogger, createMetricsRegistry, type Registry } from '@zonemesh/runtime';
import { freePort } from '@zonemesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIngressFile } from './ingress-file.js';
import { createIngressMetrics } from './ingress-metrics.js';
import { setupZoneIngress } from './zone-ingress.js';

const dir = mkdtempSync(join(tmpdir(), 'zonemesh-ingress-test-'));
let cp: Server;
let backend: tls.Server;
let registry: Registry;
let ingressPort: number;
const lifecycle = createLifecycle({ log: createLogger({ level: 'silent' }) });

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'k.pem',
    ].concat(['-out', 'c.pem', '-days', '1', '-subj', '/CN=backend']),
    { cwd: dir, stdio: 'ignore' },
  );
  backend = tls.createServer(
    { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) },
    (socket) => socket.end(`backend saw ${socket.servername}\n`),
  );
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backendPort = (backend.address() as AddressInfo).port;
  const config: IngressConfig = {
    v: '1',
    version: 'one',
    name: 'ingress-1',
    zone: 'zone-2',
    routes: [
      {
        sni: 'backend{mesh=default}',
        mesh: 'default',
        service: 'backend',
        endpoints: [{ address: '127.0.0.1', port: backendPort }],
      },
    ],
  };
  cp = createServer((req, res) => {
    if (req.url?.startsWith('/v1/register')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ v: '1', name: 'ingress-1', zone: 'zone-2' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(`${JSON.stringify({ type: 'config', config })}\n`);
  });
  await new Promise<void>((resolve) => cp.listen(0, '127.0.0.1', resolve));
  ingressPort = await freePort();
  registry = createMetricsRegistry({ defaultMetrics: false });
  const file = parseIngressFile(
    `type: ZoneIngress\nname: ingress-1\nnetworking:\n  address: 127.0.0.1\n  port: ${ingressPort}\n  advertisedAddress: 127.0.0.1\n  advertisedPort: ${ingressPort}\n`,
  );
  const runtime = {
    config: {
      cpAddress: `http://127.0.0.1:${(cp.address() as AddressInfo).port}`,
      ingressFile: 'unused',
      adminAddress: { host: '127.0.0.1', port: 0 },
      clientHelloTimeout: 300,
      logLevel: 'info' as const,
    },
    log: createLogger({ level: 'silent' }),
    metrics: registry,
    lifecycle,
  };
  setupZoneIngress(runtime, { file, token: undefined, metrics: createIngressMetrics(registry) });
  await lifecycle.start();
});

afterAll(async () => {
  await lifecycle.stop();
  cp.closeAllConnections();
  cp.close();
  backend.close();
  rmSync(dir, { recursive: true, force: true });
});

async function unroutable(reason: string): Promise<number> {
  const found = (await registry.getMetricsAsJSON()).find(
    (m) => m.name === 'zonemesh_proxy_unroutable_connections_total',
  );
  return found?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

/** Opens TLS through the ingress with `servername`; resolves with what came back or the error. */
function tlsCall(servername: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const socket = tls.connect({
      host: '127.0.0.1',
      port: ingressPort,
      servername,
      rejectUnauthorized: false,
    });
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      got += text;
    });
    socket.on('end', () => resolve(got.trim()));
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`));
  });
}

/** Connects in plain TCP, optionally sends bytes, and resolves with how long until the ingress closed. */
function plainCall(bytes: string | undefined): Promise<number> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(ingressPort, '127.0.0.1', () => {
      if (bytes !== undefined) socket.write(bytes);
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(Date.now() - started));
  });
}

describe('zone ingress', () => {
  it('routes by SNI without decrypting: the client completes TLS with the instance behind it', async () => {
    expect(await tlsCall('backend{mesh=default}')).toBe('backend saw backend{mesh=default}');
    const connections = (await registry.getMetricsAsJSON()).find(
      (m) => m.name === 'zonemesh_proxy_connections_total',
    );
    expect(connections?.values.find((v) => v.labels.service === 'backend')?.value).toBe(1);
  });

  it('closes and counts a connection whose SNI names nothing here', async () => {
    expect(await tlsCall('payments{mesh=default}')).toMatch(/^error|^$/);
    expect(await unroutable('unknown_service')).toBe(1);
  });

  it('closes and counts a connection that is not TLS, or sends no ClientHello in time', async () => {
    expect(await plainCall('GET / HTTP/1.1\r\nHost: backend\r\n\r\n')).toBeLessThan(250);
    const silent = await plainCall(undefined);
    expect(silent).toBeGreaterThanOrEqual(250);
    expect(silent).toBeLessThan(3_000);
    expect(await unroutable('no_sni')).toBe(2);
  });
});
