/**
 * Byte piping between two sockets, both ways, with backpressure and half-close: the data path of
 * every zonemesh proxy hop.
 */
import type { Socket } from 'node:net';
import { attachSink } from './pooled-reader.js';

/** What one piped connection carried and how it ended. */
export interface PipeResult {
  /** Bytes read from `a` and written to `b`. */
  readonly bytesAToB: number;
  /** Bytes read from `b` and written to `a`. */
  readonly bytesBToA: number;
  /** The first socket error or timeout, when the connection did not end cleanly. */
  readonly error: Error | undefined;
}

/** Options of {@link pipe}. */
export interface PipeOptions {
  /** Destroy both sides after this many ms without traffic either way; default none. */
  readonly idleTimeoutMs?: number;
  /** Aborting destroys both sides (the proxy is shutting down). */
  readonly signal?: AbortSignal;
}

/**
 * Forwards bytes `a` -> `b` and `b` -> `a` until both directions are done, and resolves then
 * (never rejects). Backpressure: a side stops reading while the other's write buffer is full.
 * Half-close: when one side ends, the other's write side is ended after the buffered bytes, and
 * the opposite direction keeps flowing; so both sockets must be created with
 * `allowHalfOpen: true`. An error, a timeout or an abrupt close on one side destroys the other,
 * with a TCP reset where Node can send one, so the peer learns the connection failed.
 */
export function pipe(a: Socket, b: Socket, options: PipeOptions = {}): Promise<PipeResult> {
  return new Promise((resolve) => {
    let error: Error | undefined;
    let closed = 0;
    const aToB = forward(a, b);
    const bToA = forward(b, a);
    const fail = (err: Error) => {
      error ??= err;
      abort(a);
      abort(b);
    };
    const onClose = (direction: Direction) => () => {
      if (direction.closed) return;
      direction.closed = true;
      // A side that closes before its peer sent FIN (the read direction never ended) failed.
      if (!direction.ended) fail(error ?? new Error('connection closed abruptly'));
      if (++closed === 2) {
        options.signal?.removeEventListener('abort', onAbort);
        resolve({ bytesAToB: aToB.bytes, bytesBToA: bToA.bytes, error });
      }
    };
    const onAbort = () => fail(new Error('proxy stopped'));
    a.on('error', fail);
    b.on('error', fail);
    a.once('close', onClose(aToB));
    b.once('close', onClose(bToA));
    if (options.idleTimeoutMs !== undefined) {
      const onTimeout = () => fail(new Error(`idle for ${options.idleTimeoutMs} ms`));
      a.setTimeout(options.idleTimeoutMs, onTimeout);
      b.setTimeout(options.idleTimeoutMs, onTimeout);
    }
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    // A side that closed before the pipe began emits no more `close`.
    if (a.closed) onClose(aToB)();
    if (b.closed) onClose(bToA)();
    a.resume();
    b.resume();
  });
}

interface Direction {
  bytes: number;
  /** The source sent FIN. */
  ended: boolean;
  /** The source socket emitted `close`. */
  closed: boolean;
}

/**
 * One direction. Hand-written rather than `Readable.pipe`: the same backpressure with fewer
 * listeners per chunk, and pooled sockets ({@link createPooledReader}) hand over their reused
 * buffers, released once the write has flushed.
 */
function forward(from: Socket, to: Socket): Direction {
  const direction: Direction = { bytes: 0, ended: false, closed: false };
  const pooled = attachSink(from, (chunk, release) => {
    direction.bytes += chunk.length;
    const ok = to.write(chunk, release);
    if (!ok) from.pause();
    return ok;
  });
  if (!pooled) {
    from.on('data', (chunk: Buffer) => {
      direction.bytes += chunk.length;
      if (!to.write(chunk)) from.pause();
    });
  }
  to.on('drain', () => from.resume());
  from.once('end', () => {
    direction.ended = true;
    to.end();
  });
  return direction;
}

/** Destroys a socket, with a TCP RST when it is a plain TCP socket (TLS sockets cannot reset). */
function abort(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
