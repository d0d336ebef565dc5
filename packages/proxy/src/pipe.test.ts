import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, tracker } from './__fixtures__/sockets.js';
import { pipe } from './pipe.js';
import { tcpConnector } from './upstream-dial.js';

const t = tracker();
afterEach(() => t.closeAll());

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('pipe', () => {
  it('keeps pooled read buffers untouched while a slow destination still holds them', async () => {
    const payload = randomBytes(16 * 1024 * 1024);
    const port = await listen(t.server(net.createServer((socket) => socket.end(payload))));
    const upstream = t.socket(
      await tcpConnector()({ address: '127.0.0.1', port }, AbortSignal.timeout(5000)),
    );
    // A destination that accepts a lot before pushing back and looks at each chunk only later,
    // as a busy socket's write queue does: a buffer recycled too early would be overwritten.
    const received: Buffer[] = [];
    const sink = new Duplex({
      writableHighWaterMark: 8 * 1024 * 1024,
      allowHalfOpen: true,
      read() {},
      write(chunk: Buffer, _encoding, done) {
        setTimeout(() => {
          received.push(Buffer.from(chunk));
          done();
        }, 1);
      },
      final(done) {
        done();
        this.push(null);
      },
    });
    sink.resume();
    const result = await pipe(upstream, sink as unknown as net.Socket);
    expect(result.error).toBeUndefined();
    expect(digest(Buffer.concat(received))).toBe(digest(payload));
  });

  it('reports the bytes of each direction and resolves once both sides closed', async () => {
    const port = await listen(
      t.server(
        net.createServer({ allowHalfOpen: true }, (socket) => {
          socket.on('data', () => {});
          socket.on('end', () => socket.end('12345'));
        }),
      ),
    );
    const [a, b] = await socketPair();
    const upstream = t.socket(
      await tcpConnector()({ address: '127.0.0.1', port }, AbortSignal.timeout(5000)),
    );
    const piped = pipe(b, upstream);
    a.end('abc');
    a.resume();
    expect(await piped).toEqual({ bytesAToB: 3, bytesBToA: 5, error: undefined });
  });

  it('destroys both sides on an idle timeout and on abort, saying why', async () => {
    const port = await listen(t.server(net.createServer((socket) => socket.on('error', () => {}))));
    const [, b] = await socketPair();
    const upstream = t.socket(
      await tcpConnector()({ address: '127.0.0.1', port }, AbortSignal.timeout(5000)),
    );
    expect((await pipe(b, upstream, { idleTimeoutMs: 100 })).error?.message).toBe('idle for 100 ms');
    expect(upstream.destroyed).toBe(true);

    const [, d] = await socketPair();
    const other = t.socket(await tcpConnector()({ address: '127.0.0.1', port }, AbortSignal.timeout(5000)));
    const stop = new AbortController();
    const piped = pipe(d, other, { signal: stop.signal });
    stop.abort();
    expect((await piped).error?.message).toBe('proxy stopped');
  });
});

/** Two connected plain sockets: [client, accepted]. */
async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const server = t.server(net.createServer({ allowHalfOpen: true }));
  const port = await listen(server);
  const accepted = once(server, 'connection');
  const client = t.socket(net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }));
  client.on('error', () => {});
  const [socket] = (await accepted) as [net.Socket];
  return [client, socket];
}

describe('pipe with a side already gone', () => {
  it('resolves, destroying the other side, when one socket closed before the pipe began', async () => {
    const port = await listen(t.server(net.createServer((socket) => socket.on('error', () => {}))));
    const [client, accepted] = await socketPair();
    client.on('error', () => {});
    accepted.destroy();
    await once(accepted, 'close');
    const upstream = t.socket(
      await tcpConnector()({ address: '127.0.0.1', port }, AbortSignal.timeout(5000)),
    );
    const result = await pipe(accepted, upstream);
    expect(result.error?.message).toBe('connection closed abruptly');
    expect(upstream.destroyed).toBe(true);
  });
});
