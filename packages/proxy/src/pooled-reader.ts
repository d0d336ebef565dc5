/**
 * Reading sockets into pooled, reused buffers (Node's `onread` option) instead of a fresh buffer
 * per read. On a busy proxy hop this saves the allocation, the page faults of fresh memory and
 * the stream machinery per chunk: measured on loopback, a plain hop then needs about a third of
 * the CPU per byte (bench/src/datapath.bench.ts, "unpooled reads" row). Node offers `onread` to `net.connect` and `tls.connect`;
 * accepted plain TCP sockets get it through {@link adoptForPooledReads}.
 *
 * Contract: a chunk's buffer is owned by whoever consumes it until they call `release`; a pooled
 * buffer must never be read again after that. {@link pipe} releases once the write has flushed.
 */
import net, { type Socket } from 'node:net';

/** Handles one chunk; returns false to pause the socket (backpressure). */
export type ChunkSink = (chunk: Buffer, release: () => void) => boolean;

/** The `onread` option for `net.connect` / `tls.connect`, and the way to consume what it reads. */
export interface PooledReader {
  /** Pass as `onread` when creating the socket. */
  readonly onread: {
    readonly buffer: () => Buffer;
    readonly callback: (bytes: number, buffer: Buffer) => boolean;
  };
  /** Associates the created socket with this reader, so {@link pipe} can find it. */
  bind(socket: Socket): void;
}

/** Bytes per pooled buffer: one read syscall moves up to this much. */
export const pooledBufferSize = 128 * 1024;
/** Free buffers kept for reuse (a few MiB whatever the connection count); extra ones are left to GC. */
const maxPooled = 32;
const pool: Buffer[] = [];

function take(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafeSlow(pooledBufferSize);
}

function give(buffer: Buffer): void {
  if (pool.length < maxPooled) pool.push(buffer);
}

interface ReaderState {
  sink: ChunkSink | undefined;
  /** Copies of chunks read before a sink was attached (a server that speaks first). */
  early: Buffer[];
}

const readers = new WeakMap<Socket, ReaderState>();

/** Creates a reader for one socket-to-be. */
export function createPooledReader(): PooledReader {
  const state: ReaderState = { sink: undefined, early: [] };
  let current: Buffer | undefined;
  return {
    onread: {
      buffer: () => {
        current ??= take();
        return current;
      },
      callback: (bytes, buffer) => {
        if (buffer === current) current = undefined;
        const chunk = buffer.subarray(0, bytes);
        if (state.sink === undefined) {
          state.early.push(Buffer.from(chunk));
          give(buffer);
          return true;
        }
        let released = false;
        return state.sink(chunk, () => {
          if (released) return;
          released = true;
          give(buffer);
        });
      },
    },
    bind(socket) {
      readers.set(socket, state);
      // Unread pooled buffers go back when the socket is gone.
      socket.once('close', () => {
        if (current !== undefined) give(current);
        current = undefined;
      });
    },
  };
}

/**
 * Routes a pooled socket's chunks to `sink`, first replaying those read before. Returns false
 * when the socket has no pooled reader (use its `data` events instead).
 */
export function attachSink(socket: Socket, sink: ChunkSink): boolean {
  const state = readers.get(socket);
  if (state === undefined) return false;
  state.sink = sink;
  for (const chunk of state.early.splice(0)) sink(chunk, () => {});
  return true;
}

/** The parts of Node's TCP handle that adoption touches. */
interface TcpHandle {
  readStop(): number;
  reading?: boolean;
}

/**
 * Moves an accepted plain TCP socket onto pooled reads: its handle is re-wrapped in a new
 * `net.Socket` created with `onread` (Node offers `onread` only at creation), and the old socket
 * object is retired without closing the connection. Returns the new socket, paused, for
 * {@link pipe}; or the same socket, untouched, when adoption is not possible: a TLS socket, a
 * socket with unread buffered bytes or an end already seen, or a Node whose internals differ
 * (adoption uses `socket._handle` and the `handle` constructor option that Node's own server
 * uses). Call it before anything else reads from the socket (accept with `pauseOnConnect`), or
 * right after {@link peekSni}, which leaves nothing buffered.
 */
export function adoptForPooledReads(socket: Socket): Socket {
  const internals = socket as unknown as {
    _handle?: TcpHandle | null;
    _readableState?: { ended?: boolean };
  };
  const handle = internals._handle;
  if (
    socket.constructor !== net.Socket ||
    handle === null ||
    handle === undefined ||
    typeof handle.readStop !== 'function' ||
    socket.destroyed ||
    socket.readableLength > 0 ||
    internals._readableState?.ended !== false
  ) {
    return socket;
  }
  const reader = createPooledReader();
  let adopted: Socket;
  try {
    handle.readStop();
    handle.reading = false;
    adopted = new net.Socket({
      handle,
      onread: reader.onread,
      allowHalfOpen: socket.allowHalfOpen,
      readable: true,
      writable: true,
      pauseOnCreate: true,
    } as net.SocketConstructorOpts);
  } catch {
    return socket;
  }
  reader.bind(adopted);
  // Retire the old object: without its handle, destroying it closes nothing, and it still
  // emits close and leaves its server's connection count.
  internals._handle = null;
  socket.destroy();
  adopted.setNoDelay(true);
  return adopted;
}

/** Whether `socket` reads into pooled buffers (made by a pooled connector or adopted). */
export function isPooled(socket: Socket): boolean {
  return readers.has(socket);
}
