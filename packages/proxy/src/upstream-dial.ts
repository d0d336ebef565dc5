/** Connecting to an upstream: one endpoint (a connector), or the best of several with retries. */
import net, { type Socket } from 'node:net';
import { MeshError } from '@zonemesh/api';
import type { Endpoint } from './endpoint.js';
import type { HealthTracker } from './health-tracker.js';
import type { LoadBalancer } from './load-balancer.js';
import { createPooledReader } from './pooled-reader.js';

/**
 * Opens a connection to one endpoint and resolves once it can carry bytes (TCP connected, or TLS
 * handshake done). Rejects when it cannot or when `signal` aborts; the socket is then destroyed.
 * The socket is for {@link pipe}: made with `allowHalfOpen: true`, and it may read into pooled
 * buffers ({@link createPooledReader}), in which case it emits no `data` events.
 */
export type Connector = (endpoint: Endpoint, signal: AbortSignal) => Promise<Socket>;

/** Options of {@link tcpConnector}. */
export interface TcpConnectorOptions {
  /**
   * Read into pooled buffers for {@link pipe} (see {@link createPooledReader}); default true.
   * Turn off to get ordinary `data` events from the socket.
   */
  readonly pooledReads?: boolean;
}

/**
 * Plain TCP connector: `allowHalfOpen`, Nagle off (proxied request/response traffic wants low
 * latency), reading into pooled buffers unless told not to.
 */
export function tcpConnector(options: TcpConnectorOptions = {}): Connector {
  const pooled = options.pooledReads ?? true;
  return (endpoint, signal) =>
    new Promise((resolve, reject) => {
      const reader = pooled ? createPooledReader() : undefined;
      const socket = net.connect({
        host: endpoint.address,
        port: endpoint.port,
        allowHalfOpen: true,
        noDelay: true,
        ...(reader === undefined ? {} : { onread: reader.onread }),
      });
      reader?.bind(socket);
      settleOnEvent(socket, 'connect', signal, resolve, reject);
    });
}

/**
 * Resolves with `socket` when it emits `readyEvent`, rejects (destroying it) on error, close or
 * abort. Shared by the TCP and TLS connectors.
 */
export function settleOnEvent(
  socket: Socket,
  readyEvent: 'connect' | 'secureConnect',
  signal: AbortSignal,
  resolve: (socket: Socket) => void,
  reject: (err: Error) => void,
): void {
  const cleanup = () => {
    socket.off(readyEvent, onReady);
    socket.off('error', onError);
    socket.off('close', onClose);
    signal.removeEventListener('abort', onAbort);
  };
  const onReady = () => {
    cleanup();
    resolve(socket);
  };
  const onError = (err: Error) => {
    cleanup();
    socket.destroy();
    reject(err);
  };
  const onClose = () => onError(new Error('connection closed while connecting'));
  const onAbort = () =>
    onError(signal.reason instanceof Error ? signal.reason : new Error('connect aborted'));
  if (signal.aborted) return onAbort();
  socket.once(readyEvent, onReady);
  socket.once('error', onError);
  socket.once('close', onClose);
  signal.addEventListener('abort', onAbort, { once: true });
}

/** Options of {@link dialUpstream}. */
export interface DialOptions {
  readonly balancer: LoadBalancer;
  readonly health?: HealthTracker | undefined;
  readonly connect: Connector;
  /** Endpoints tried at most, each a different one; default 3. */
  readonly attempts?: number;
  /** Per attempt; default 5 000 ms. */
  readonly connectTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** A connected upstream and which endpoint it is. */
export interface DialedUpstream {
  readonly socket: Socket;
  readonly endpoint: Endpoint;
}

/**
 * Connects to one of `candidates`: healthy ones first (per `health`), chosen by `balancer`,
 * trying another endpoint after a failed or timed-out connect, reporting each outcome to
 * `health` (passive checking). Rejects with `Unavailable` naming the last failure when no
 * candidate can be reached or none is usable.
 */
export async function dialUpstream(
  candidates: readonly Endpoint[],
  options: DialOptions,
): Promise<DialedUpstream> {
  const attempts = options.attempts ?? 3;
  const timeoutMs = options.connectTimeoutMs ?? 5_000;
  let usable = options.health === undefined ? candidates : options.health.select(candidates);
  if (usable.length === 0) {
    throw new MeshError('Unavailable', `no healthy endpoint among ${candidates.length}`);
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts && usable.length > 0; attempt++) {
    const endpoint = options.balancer.pick(usable);
    if (endpoint === undefined) break;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
    try {
      const socket = await options.connect(endpoint, signal);
      options.health?.reportSuccess(endpoint);
      return { socket, endpoint };
    } catch (err) {
      lastError = err;
      if (options.signal?.aborted) break;
      options.health?.reportFailure(endpoint, err instanceof Error ? err.message : String(err));
      usable = usable.filter((e) => e !== endpoint);
    }
  }
  const reason = lastError instanceof Error ? lastError.message : 'no endpoint could be picked';
  throw new MeshError('Unavailable', `could not connect to an upstream: ${reason}`, { cause: lastError });
}
