import net from 'node:net';
import tls from 'node:tls';
import { isMeshError } from '@zonemesh/api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureClientHello, listen, refragment, tracker } from './__fixtures__/sockets.js';
import { type PeekedHello, peekSni } from './sni-peek.js';

const t = tracker();
afterEach(() => t.closeAll());

/** A server that peeks each connection and hands the outcome to the test. */
async function peekServer(options: Parameters<typeof peekSni>[1] = {}) {
  const outcomes: Promise<PeekedHello>[] = [];
  const server = t.server(
    net.createServer({ allowHalfOpen: true }, (socket) => {
      t.socket(socket);
      const outcome = peekSni(socket, options);
      outcome.catch(() => {});
      outcomes.push(outcome);
    }),
  );
  const port = await listen(server);
  const next = async () => {
    const deadline = Date.now() + 5000;
    while (outcomes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return outcomes.shift() as Promise<PeekedHello>;
  };
  return { port, next };
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    if (isMeshError(err)) return { code: err.code, message: err.message, causes: err.causes };
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('peekSni on real sockets', () => {
  let hello: Buffer;
  beforeAll(async () => {
    hello = await captureClientHello({ servername: 'web{mesh=default}' });
  });

  it('reads the SNI of a tls.connect client and keeps every byte it read', async () => {
    const { port, next } = await peekServer();
    const client = t.socket(tls.connect({ host: '127.0.0.1', port, servername: 'backend{mesh=default}' }));
    client.on('error', () => {});
    const peeked = await next();
    expect(peeked.serverName).toBe('backend{mesh=default}');
    expect(peeked.head[0]).toBe(22);
    expect(peeked.head.length).toBe(5 + peeked.head.readUInt16BE(3));
  });

  it('reports no SNI for a client that sends none', async () => {
    const { port, next } = await peekServer();
    const client = t.socket(tls.connect({ host: '127.0.0.1', port }));
    client.on('error', () => {});
    expect((await next()).serverName).toBeUndefined();
  });

  it('waits for a ClientHello written a few bytes at a time, across TLS records', async () => {
    const { port, next } = await peekServer();
    const client = t.socket(net.connect({ host: '127.0.0.1', port, noDelay: true }));
    const fragmented = refragment(hello, 64);
    for (let at = 0; at < fragmented.length; at += 37) {
      client.write(fragmented.subarray(at, at + 37));
      await new Promise((r) => setTimeout(r, 5));
    }
    const peeked = await next();
    expect(peeked.serverName).toBe('web{mesh=default}');
    expect(peeked.head.equals(fragmented)).toBe(true);
  });

  it('refuses garbage with the reason, and a ClientHello over the bound as too large', async () => {
    const { port, next } = await peekServer({ maxBytes: 128 });
    t.socket(net.connect({ host: '127.0.0.1', port })).write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await failure(next())).toEqual({
      code: 'InvalidInput',
      message: 'malformed TLS ClientHello: not a TLS handshake (first byte 0x47)',
      causes: [{ field: 'clientHello', message: 'not a TLS handshake (first byte 0x47)' }],
    });
    t.socket(net.connect({ host: '127.0.0.1', port })).write(hello);
    expect((await failure(next())).code).toBe('TooLarge');
  });

  it('gives up on a silent client and on one that closes first', async () => {
    const { port, next } = await peekServer({ timeoutMs: 200 });
    t.socket(net.connect({ host: '127.0.0.1', port })).write(hello.subarray(0, 10));
    expect(await failure(next())).toMatchObject({
      code: 'Unavailable',
      message: expect.stringContaining('within 200 ms'),
    });
    t.socket(net.connect({ host: '127.0.0.1', port })).end(hello.subarray(0, 10));
    expect(await failure(next())).toMatchObject({
      code: 'Unavailable',
      message: expect.stringContaining('closed after 10 bytes'),
    });
  });
});
