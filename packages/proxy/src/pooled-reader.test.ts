import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, meshIdentities, tracker } from './__fixtures__/sockets.js';
import { pipe } from './pipe.js';
import { adoptForPooledReads, isPooled } from './pooled-reader.js';
import { tcpConnector } from './upstream-dial.js';

const t = tracker();
afterEach(() => t.closeAll());

/** A server with pauseOnConnect whose accepted sockets the test receives. */
async function pausedServer() {
  const server = t.server(net.createServer({ allowHalfOpen: true, pauseOnConnect: true }));
  const port = await listen(server);
  const accept = async () => ((await once(server, 'connection')) as [net.Socket])[0];
  return { server, port, accept };
}

describe('adoptForPooledReads', () => {
  it('moves an accepted socket onto pooled reads without losing a byte either way', async () => {
    const { server, port, accept } = await pausedServer();
    const client = t.socket(net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }));
    const accepted = await accept();
    const adopted = t.socket(adoptForPooledReads(accepted));
    expect(adopted).not.toBe(accepted);
    expect(isPooled(adopted)).toBe(true);
    await once(accepted, 'close');
    expect(await new Promise((r) => server.getConnections((_, n) => r(n)))).toBe(0);

    // Echo through a second hop so the adopted socket both reads (pooled) and writes.
    const echoPort = await listen(
      t.server(
        net.createServer({ allowHalfOpen: true }, (s) => {
          s.on('error', () => {});
          s.pipe(s);
        }),
      ),
    );
    const upstream = t.socket(
      await tcpConnector()({ address: '127.0.0.1', port: echoPort }, AbortSignal.timeout(5000)),
    );
    const piped = pipe(adopted, upstream);
    const payload = randomBytes(8 * 1024 * 1024);
    const back = createHash('sha256');
    let received = 0;
    client.on('data', (chunk: Buffer) => {
      back.update(chunk);
      received += chunk.length;
    });
    client.end(payload);
    await once(client, 'end');
    expect(received).toBe(payload.length);
    expect(back.digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
    expect((await piped).error).toBeUndefined();
  });

  it('leaves a socket alone when it has unread bytes', async () => {
    const { port, accept } = await pausedServer();
    const client = t.socket(net.connect({ host: '127.0.0.1', port }));
    client.write('early');
    const accepted = t.socket(await accept());
    accepted.resume();
    accepted.pause();
    await new Promise((r) => setTimeout(r, 100));
    expect(accepted.readableLength).toBeGreaterThan(0);
    expect(adoptForPooledReads(accepted)).toBe(accepted);
    expect(isPooled(accepted)).toBe(false);
  });

  it('leaves TLS sockets alone', async () => {
    const { identities } = await meshIdentities('default', ['backend']);
    const identity = identities['backend'];
    const sockets: tls.TLSSocket[] = [];
    const server = t.server(
      tls.createServer({ cert: identity?.certChainPem, key: identity?.keyPem }, (s) =>
        sockets.push(t.socket(s)),
      ),
    );
    const port = await listen(server);
    const client = t.socket(tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }));
    await once(client, 'secureConnect');
    while (sockets.length === 0) await new Promise((r) => setTimeout(r, 10));
    const accepted = sockets[0] as tls.TLSSocket;
    expect(adoptForPooledReads(accepted)).toBe(accepted);
  });
});

describe('tcpConnector', () => {
  it('gives ordinary data events when pooled reads are off', async () => {
    const port = await listen(t.server(net.createServer((s) => s.end('hello'))));
    const pooled = t.socket(await tcpConnector()({ address: '127.0.0.1', port }, AbortSignal.timeout(5000)));
    const plain = t.socket(
      await tcpConnector({ pooledReads: false })({ address: '127.0.0.1', port }, AbortSignal.timeout(5000)),
    );
    expect([isPooled(pooled), isPooled(plain)]).toEqual([true, false]);
    const [chunk] = await once(plain, 'data');
    expect(String(chunk)).toBe('hello');
  });
});
