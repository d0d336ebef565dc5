/**
 * A TCP listener of the sidecar (an inbound or an outbound): accepts half-open capable sockets
 * with Nagle off, and keeps trying to bind when the port is taken (another process may still be
 * leaving it), logging each failure once per streak.
 */
import net, { type Socket } from 'node:net';
import type { Logger } from '@zonemesh/runtime';

/** Options of {@link createListener}. */
export interface ListenerOptions {
  readonly address: string;
  readonly port: number;
  readonly log: Logger;
  readonly onConnection: (socket: Socket) => void;
  /** Closes the listener. */
  readonly signal: AbortSignal;
  /** Delay between bind attempts; default 2 000 ms. */
  readonly retryMs?: number;
  /**
   * Accepted sockets start paused, reading nothing until resumed (or handed to `pipe`), so they
   * can be moved onto pooled reads (`adoptForPooledReads`); default false.
   */
  readonly pauseOnConnect?: boolean;
  /** Connections open at once; more are closed on accept (logged once per listener). Default {@link defaultMaxConnections}. */
  readonly maxConnections?: number;
}

/** Per listener: far above what one app needs, low enough that a flood cannot exhaust file descriptors. */
export const defaultMaxConnections = 16_384;

/** A started listener. */
export interface Listener {
  /** Resolves once bound (never, while the port stays taken). */
  readonly bound: Promise<void>;
  /** Stops accepting; open connections are not touched. */
  close(): Promise<void>;
}

/** Starts binding at once. */
export function createListener(options: ListenerOptions): Listener {
  const { log } = options;
  const pauseOnConnect = options.pauseOnConnect ?? false;
  const server = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect }, (socket) =>
    options.onConnection(socket),
  );
  server.maxConnections = options.maxConnections ?? defaultMaxConnections;
  server.once('drop', () =>
    log.warn(
      { address: `${options.address}:${options.port}`, maxConnections: server.maxConnections },
      'connection limit reached: new connections are closed until some end',
    ),
  );
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let warned = false;
  let markBound: () => void = () => {};
  const bound = new Promise<void>((resolve) => {
    markBound = resolve;
  });

  const attempt = () => {
    if (closed) return;
    const failed = (err: NodeJS.ErrnoException) => {
      server.off('listening', listening);
      if (!warned) {
        log.error(
          { err: err.message, address: `${options.address}:${options.port}` },
          'cannot listen; retrying until the port is free',
        );
        warned = true;
      }
      retry = setTimeout(attempt, options.retryMs ?? 2_000);
    };
    const listening = () => {
      server.off('error', failed);
      log.debug({ address: `${options.address}:${options.port}` }, 'listening');
      markBound();
    };
    server.once('error', failed);
    server.once('listening', listening);
    server.listen({ port: options.port, host: options.address, exclusive: true });
  };

  const close = (): Promise<void> => {
    closed = true;
    clearTimeout(retry);
    if (server.listening) server.close();
    return Promise.resolve();
  };
  options.signal.addEventListener('abort', () => void close(), { once: true });
  attempt();
  return { bound, close };
}
