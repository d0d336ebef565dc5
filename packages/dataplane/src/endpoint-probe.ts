/**
 * One active probe of an endpoint over a connection the caller opens (plain TCP, or mTLS with
 * the outbound's SNI): `tcp` passes once the connection (and its handshake) is up; `http` sends
 * `GET <path>` and passes on an expected status (default 200).
 */
import type { Socket } from 'node:net';
import type { ProxyHealthCheck } from '@zonemesh/api';
import type { Endpoint, ProbeResult } from '@zonemesh/proxy';
import type { Prober } from './active-health.js';

/** Opens a connection to an endpoint that can carry bytes, emitting `data` events. */
export type ProbeConnect = (endpoint: Endpoint, signal: AbortSignal) => Promise<Socket>;

/** A {@link Prober} over `connect`; `host` is the HTTP Host header (the service name). */
export function createEndpointProber(connect: ProbeConnect, host: string): Prober {
  return async (endpoint, check, signal) => {
    const timeout = AbortSignal.timeout(check.timeout);
    const both = AbortSignal.any([signal, timeout]);
    let socket: Socket;
    try {
      socket = await connect(endpoint, both);
    } catch (err) {
      return failed(timeout.aborted ? `no connection within ${check.timeout} ms` : messageOf(err));
    }
    if (check.type === 'tcp') {
      socket.destroy();
      return { ok: true };
    }
    return httpStatus(socket, check, host, both, timeout);
  };
}

function httpStatus(
  socket: Socket,
  check: ProxyHealthCheck,
  host: string,
  signal: AbortSignal,
  timeout: AbortSignal,
): Promise<ProbeResult> {
  const expected = check.expectedStatuses ?? [200];
  return new Promise((resolve) => {
    let head = '';
    const settle = (result: ProbeResult) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = () =>
      settle(failed(timeout.aborted ? `no answer within ${check.timeout} ms` : 'stopped'));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      head += text;
      const end = head.indexOf('\n');
      if (end < 0) {
        if (head.length > 8_192) settle(failed('no HTTP status line in the first 8 KiB'));
        return;
      }
      const status = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head.slice(0, end).trimEnd());
      if (status === null) return settle(failed('answer is not HTTP'));
      const code = Number(status[1]);
      settle(expected.includes(code) ? { ok: true } : failed(`HTTP status ${code}`));
    });
    socket.on('error', (err) => settle(failed(messageOf(err))));
    socket.on('close', () => settle(failed('closed before an HTTP status')));
    socket.write(
      `GET ${check.path ?? '/'} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: zonemesh-health-check\r\nConnection: close\r\n\r\n`,
    );
  });
}

function failed(reason: string): ProbeResult {
  return { ok: false, reason };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
}
