/** One active health probe of one endpoint: TCP connect (send/expect) or HTTP GET. */
import http from 'node:http';
import net from 'node:net';
import type { Endpoint } from './endpoint.js';
import type { ActiveHealthCheck } from './health-check-config.js';

/** The result of a probe: ok, or why not. */
export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Runs one probe as `check` says, settling within `check.timeoutMs`. Never rejects; every socket
 * it opens is destroyed before it settles.
 */
export function probe(
  endpoint: Endpoint,
  check: ActiveHealthCheck,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  return check.http === undefined
    ? probeTcp(endpoint, check, signal)
    : probeHttp(endpoint, check, check.http, signal);
}

function probeTcp(endpoint: Endpoint, check: ActiveHealthCheck, signal?: AbortSignal): Promise<ProbeResult> {
  const send = check.tcp?.send === undefined ? undefined : Buffer.from(check.tcp.send, 'base64');
  const expected = (check.tcp?.receive ?? [])
    .map((block) => Buffer.from(block, 'base64'))
    .filter((b) => b.length > 0);
  return new Promise((resolve) => {
    const socket = net.connect({ host: endpoint.address, port: endpoint.port });
    let received = Buffer.alloc(0);
    let next = 0;
    let searchFrom = 0;
    const settle = (result: ProbeResult) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = () => settle({ ok: false, reason: 'stopped' });
    const timer = setTimeout(
      () => settle({ ok: false, reason: `no answer within ${check.timeoutMs} ms` }),
      check.timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      settle({ ok: false, reason: err.code ?? err.message }),
    );
    socket.on('connect', () => {
      if (send !== undefined && send.length > 0) socket.write(send);
      if (expected.length === 0) settle({ ok: true });
    });
    // Envoy's "fuzzy" match: every block must appear, in order, not necessarily adjacent.
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (next < expected.length) {
        const at = received.indexOf(expected[next] as Buffer, searchFrom);
        if (at < 0) break;
        searchFrom = at + (expected[next] as Buffer).length;
        next++;
      }
      if (next === expected.length) settle({ ok: true });
      else if (received.length > 64 * 1024)
        settle({ ok: false, reason: 'expected bytes not in the first 64 KiB' });
    });
    socket.on('end', () => settle({ ok: false, reason: 'closed before the expected bytes' }));
  });
}

function probeHttp(
  endpoint: Endpoint,
  check: ActiveHealthCheck,
  settings: NonNullable<ActiveHealthCheck['http']>,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const expected = settings.expectedStatuses ?? [200];
  return new Promise((resolve) => {
    let done = false;
    const settle = (result: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      request.destroy();
      resolve(result);
    };
    const request = http.request({
      host: endpoint.address,
      port: endpoint.port,
      path: settings.path,
      method: 'GET',
      agent: false,
      headers: {
        'user-agent': 'zonemesh-health-check',
        ...settings.headers,
        host: settings.host ?? endpoint.address,
      },
      ...(signal === undefined ? {} : { signal }),
    });
    const timer = setTimeout(
      () => settle({ ok: false, reason: `no answer within ${check.timeoutMs} ms` }),
      check.timeoutMs,
    );
    request.on('error', (err: NodeJS.ErrnoException) =>
      settle({ ok: false, reason: err.code ?? err.message }),
    );
    request.on('response', (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      settle(expected.includes(status) ? { ok: true } : { ok: false, reason: `HTTP status ${status}` });
    });
    request.end();
  });
}
