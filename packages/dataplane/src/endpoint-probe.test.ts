import net, { type AddressInfo } from 'node:net';
import type { ProxyHealthCheck } from '@zonemesh/api';
import { freePort } from '@zonemesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createEndpointProber } from './endpoint-probe.js';

const servers: net.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function serve(answer: string | undefined): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => {
      if (answer !== undefined) socket.end(answer);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const check = (type: 'tcp' | 'http', extra: Partial<ProxyHealthCheck> = {}): ProxyHealthCheck => ({
  interval: 1_000,
  timeout: 300,
  unhealthyThreshold: 1,
  healthyThreshold: 1,
  type,
  policy: { type: 'HealthCheck', name: 'hc' },
  ...extra,
});

const plain = (endpoint: { address: string; port: number }, signal: AbortSignal) =>
  new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect(endpoint.port, endpoint.address);
    signal.addEventListener('abort', () => socket.destroy(new Error('aborted')), { once: true });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });

describe('endpoint probe', () => {
  const probe = createEndpointProber(plain, 'backend');
  const at = (port: number) => ({ address: '127.0.0.1', port });
  const never = new AbortController().signal;

  it('passes a tcp check once connected and fails it when refused', async () => {
    expect(await probe(at(await serve(undefined)), check('tcp'), never)).toEqual({ ok: true });
    expect(await probe(at(await freePort()), check('tcp'), never)).toEqual({
      ok: false,
      reason: 'ECONNREFUSED',
    });
  });

  it('passes an http check on an expected status only', async () => {
    const ok = await serve('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    const busy = await serve('HTTP/1.1 503 Service Unavailable\r\n\r\n');
    expect(await probe(at(ok), check('http', { path: '/health' }), never)).toEqual({ ok: true });
    expect(await probe(at(busy), check('http'), never)).toEqual({ ok: false, reason: 'HTTP status 503' });
    expect(await probe(at(busy), check('http', { expectedStatuses: [200, 503] }), never)).toEqual({
      ok: true,
    });
  });

  it('fails an http check on an answer that is not HTTP, or none in time', async () => {
    expect(await probe(at(await serve('backend\n')), check('http'), never)).toEqual({
      ok: false,
      reason: 'answer is not HTTP',
    });
    expect(await probe(at(await serve(undefined)), check('http'), never)).toEqual({
      ok: false,
      reason: 'no answer within 300 ms',
    });
  });
});
