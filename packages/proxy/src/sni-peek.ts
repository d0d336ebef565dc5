/** Reading a connection's ClientHello off a socket without consuming it for the upstream. */
import type { Socket } from 'node:net';
import { MeshError } from '@zonemesh/api';
import { type ClientHello, parseClientHello } from './client-hello.js';

/** A ClientHello read off a socket, with every byte read so far. */
export interface PeekedHello extends ClientHello {
  /** The bytes already read from the client: write them to the upstream before piping the rest. */
  readonly head: Buffer;
}

/** Options of {@link peekSni}. */
export interface PeekOptions {
  /** Give up when no complete ClientHello arrived in this many ms; default 10 000. */
  readonly timeoutMs?: number;
  /** Refuse a ClientHello larger than this many bytes; default 64 KiB (the read buffer bound). */
  readonly maxBytes?: number;
}

/**
 * Reads from `socket` until a complete ClientHello is in, then pauses the socket and returns the
 * SNI with the bytes read (nothing is decrypted, nothing is lost: the caller forwards `head`).
 * Rejects with `InvalidInput` (field `clientHello`, the parser's reason) for bytes that are not
 * a ClientHello, `TooLarge` past `maxBytes`, and `Unavailable` when the client is silent for
 * `timeoutMs` or closes first. Never destroys the socket: the caller decides.
 */
export function peekSni(socket: Socket, options: PeekOptions = {}): Promise<PeekedHello> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxBytes ?? 64 * 1024;
  return new Promise<PeekedHello>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let needed = 1;
    const finish = (error: MeshError | undefined, hello?: PeekedHello) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      socket.pause();
      if (error !== undefined) reject(error);
      else if (hello !== undefined) resolve(hello);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < needed) return;
      const head = chunks.length === 1 ? chunk : Buffer.concat(chunks, received);
      if (chunks.length > 1) chunks.splice(0, chunks.length, head);
      const parsed = parseClientHello(head, maxBytes);
      if (parsed.kind === 'incomplete') {
        needed = parsed.needed;
        return;
      }
      if (parsed.kind === 'hello') {
        finish(undefined, { ...parsed.hello, head });
        return;
      }
      const code = parsed.reason.startsWith('ClientHello larger than') ? 'TooLarge' : 'InvalidInput';
      finish(
        new MeshError(code, `malformed TLS ClientHello: ${parsed.reason}`, {
          causes: [{ field: 'clientHello', message: parsed.reason }],
        }),
      );
    };
    const onEnd = () =>
      finish(
        new MeshError('Unavailable', `client closed after ${received} bytes, before a complete ClientHello`),
      );
    const onError = (err: Error) =>
      finish(new MeshError('Unavailable', 'client connection failed before its ClientHello', { cause: err }));
    const timer = setTimeout(
      () =>
        finish(
          new MeshError('Unavailable', `no complete ClientHello within ${timeoutMs} ms (${received} bytes)`),
        ),
      timeoutMs,
    );
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
    socket.resume();
  });
}
