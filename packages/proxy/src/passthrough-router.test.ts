import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, listen, meshIdentities, tracker } from './__fixtures__/sockets.js';
import type { Endpoint } from './endpoint.js';
import { createHealthTracker, type HealthChange } from './health-tracker.js';
import { createWeighted } from './load-balancer.js';
import { createMtlsClient, createMtlsServer, type MtlsIdentity } from './mtls.js';
import {
  type ConnectionOutcome,
  createPassthroughRouter,
  type PassthroughRouter,
} from './passthrough-router.js';

const t = tracker();
const routers: PassthroughRouter[] = [];
afterEach(async () => {
  for (const router of routers.splice(0)) await router.close();
  await t.closeAll();
});

async function startRouter(options: Parameters<typeof createPassthroughRouter>[0]) {
  const router = createPassthroughRouter(options);
  routers.push(router);
  return { router, port: (await router.listen(0)).port };
}

const local = (port: number, extra: Partial<Endpoint> = {}): Endpoint => ({
  address: '127.0.0.1',
  port,
  ...extra,
});

describe('SNI passthrough router', () => {
  let identities: Record<string, MtlsIdentity>;
  beforeAll(async () => {
    ({ identities } = await meshIdentities('default', ['frontend', 'backend']));
  });

  it('carries 50 MiB of mTLS end to end unchanged, routing on the SNI, never decrypting', async () => {
    const peers: string[] = [];
    const backend = createMtlsServer({
      identity: identities['backend'] as MtlsIdentity,
      onConnection: ({ socket, peer }) => {
        peers.push(...peer.services);
        const hash = createHash('sha256');
        socket.on('data', (chunk) => hash.update(chunk));
        socket.on('end', () => socket.end(hash.digest('hex')));
      },
    });
    const backendPort = await listen(t.server(backend.server));
    const asked: (string | undefined)[] = [];
    const outcomes: ConnectionOutcome[] = [];
    const { port } = await startRouter({
      route: ({ serverName }) => {
        asked.push(serverName);
        return serverName === 'backend{mesh=default}' ? [local(backendPort)] : undefined;
      },
      onConnection: (outcome) => outcomes.push(outcome),
    });

    const client = createMtlsClient(identities['frontend'] as MtlsIdentity);
    const { socket, peer } = await client.connect({
      host: '127.0.0.1',
      port,
      serverName: 'backend{mesh=default}',
      expect: { mesh: 'default', service: 'backend' },
    });
    expect(peer.services).toEqual(['backend']);
    const payload = randomBytes(50 * 1024 * 1024);
    const reply: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => reply.push(chunk));
    socket.end(payload);
    await once(socket, 'close');
    expect(Buffer.concat(reply).toString()).toBe(createHash('sha256').update(payload).digest('hex'));
    expect(peers).toEqual(['frontend']);
    expect(asked).toEqual(['backend{mesh=default}']);
    await eventually(() => outcomes.length === 1, 5000, 'the outcome');
    expect(outcomes[0]).toMatchObject({
      result: 'piped',
      serverName: 'backend{mesh=default}',
      detail: undefined,
    });
    expect(outcomes[0]?.bytesFromClient).toBeGreaterThan(payload.length);
  });

  it('delivers 3 x 20 MiB at once from upstreams unchanged to clients that keep pausing (pooled read buffers)', async () => {
    const payloads = [
      randomBytes(20 * 1024 * 1024),
      randomBytes(20 * 1024 * 1024),
      randomBytes(20 * 1024 * 1024),
    ];
    let served = 0;
    const app = t.server(
      net.createServer((socket) => socket.end(payloads[served++ % payloads.length] as Buffer)),
    );
    const appPort = await listen(app);
    const { port } = await startRouter({ sni: false, route: () => [local(appPort)] });
    const download = async () => {
      const client = t.socket(net.connect({ host: '127.0.0.1', port }));
      const chunks: Buffer[] = [];
      let received = 0;
      let nextStall = 0;
      client.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        // Stall long enough for the kernel buffers to fill, so the router's writes to us queue
        // up while their pooled read buffers are still referenced and other connections read.
        if (received >= nextStall) {
          nextStall = received + 2 * 1024 * 1024;
          client.pause();
          setTimeout(() => client.resume(), 30);
        }
      });
      await once(client, 'end');
      return Buffer.concat(chunks);
    };
    const results = await Promise.all([download(), download(), download()]);
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(results.map(digest).sort()).toEqual(payloads.map(digest).sort());
  });

  it('keeps the other direction open after one side half-closes', async () => {
    const app = t.server(
      net.createServer({ allowHalfOpen: true }, (socket) => {
        const got: Buffer[] = [];
        socket.on('data', (chunk) => got.push(chunk));
        socket.on('end', () => {
          // The client finished sending; answer afterwards, then close our side.
          setTimeout(() => socket.end(`got:${Buffer.concat(got).toString()};bye`), 100);
        });
      }),
    );
    const appPort = await listen(app);
    const { port } = await startRouter({ sni: false, route: () => [local(appPort)] });
    const client = t.socket(net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }));
    client.end('hello');
    const chunks: Buffer[] = [];
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(client, 'end');
    expect(Buffer.concat(chunks).toString()).toBe('got:hello;bye');
  });

  it('applies backpressure: a client that does not read stops the upstream instead of filling memory', async () => {
    let written = 0;
    let stalled = false;
    const app = t.server(
      net.createServer((socket) => {
        const chunk = Buffer.alloc(1024 * 1024, 1);
        const pump = () => {
          while (written < 1024 * 1024 * 1024) {
            written += chunk.length;
            if (!socket.write(chunk)) {
              stalled = true;
              socket.once('drain', pump);
              return;
            }
          }
        };
        socket.on('error', () => {});
        pump();
      }),
    );
    const appPort = await listen(app);
    const { port } = await startRouter({ sni: false, route: () => [local(appPort)] });
    const client = t.socket(net.connect({ host: '127.0.0.1', port }));
    client.pause();
    await once(client, 'connect');
    const before = process.memoryUsage().arrayBuffers;
    await new Promise((r) => setTimeout(r, 1500));
    expect(stalled).toBe(true);
    // Kernel socket buffers on loopback hold a few MiB per hop; without backpressure the router would
    // have read hundreds of MiB by now.
    expect(written).toBeLessThan(64 * 1024 * 1024);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    const sofar = written;
    let received = 0;
    client.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    client.resume();
    await eventually(() => received > sofar + 8 * 1024 * 1024, 5000, 'the stream to flow again');
  });

  it('tries another endpoint when one refuses, and ejects the failing one for later connections', async () => {
    const dead = t.server(net.createServer());
    const deadPort = await listen(dead);
    await new Promise<void>((r) => dead.close(() => r()));
    const app = t.server(net.createServer((socket) => socket.end('served')));
    const appPort = await listen(app);
    const changes: HealthChange[] = [];
    const health = createHealthTracker({ onChange: (change) => changes.push(change) });
    const outcomes: ConnectionOutcome[] = [];
    const { port } = await startRouter({
      sni: false,
      // The dead endpoint weighs more: the weighted balancer picks it first.
      route: () => [local(deadPort, { weight: 10 }), local(appPort, { weight: 1 })],
      balancer: createWeighted(),
      health,
      onConnection: (outcome) => outcomes.push(outcome),
    });
    const fetch = async () => {
      const client = t.socket(net.connect({ host: '127.0.0.1', port }));
      const chunks: Buffer[] = [];
      client.on('data', (c: Buffer) => chunks.push(c));
      await once(client, 'close');
      return Buffer.concat(chunks).toString();
    };
    expect(await fetch()).toBe('served');
    expect(changes).toEqual([
      expect.objectContaining({
        endpoint: local(deadPort, { weight: 10 }),
        healthy: false,
        cause: 'ejected',
      }),
    ]);
    expect(await fetch()).toBe('served');
    expect(changes).toHaveLength(1);
    await eventually(() => outcomes.length === 2);
    expect(outcomes.map((o) => [o.result, o.endpoint?.port])).toEqual([
      ['piped', appPort],
      ['piped', appPort],
    ]);
    health.close();
  });

  it('refuses connections it cannot route, saying why', async () => {
    const outcomes: ConnectionOutcome[] = [];
    const dead = t.server(net.createServer());
    const deadPort = await listen(dead);
    await new Promise<void>((r) => dead.close(() => r()));
    const { port } = await startRouter({
      route: ({ serverName }) => (serverName === 'gone{mesh=default}' ? [local(deadPort)] : []),
      onConnection: (outcome) => outcomes.push(outcome),
      peekTimeoutMs: 300,
    });
    const closed = async (send: (socket: net.Socket) => unknown) => {
      const client = t.socket(net.connect({ host: '127.0.0.1', port }));
      client.on('error', () => {});
      await send(client);
      await once(client, 'close');
    };
    const { captureClientHello } = await import('./__fixtures__/sockets.js');
    await closed((s) => s.write('SSH-2.0-OpenSSH\r\n'));
    await closed((s) => s.write('\x16\x03'));
    await closed(async (s) => s.write(await captureClientHello({ servername: 'unknown{mesh=default}' })));
    await closed(async (s) => s.write(await captureClientHello({ servername: 'gone{mesh=default}' })));
    await eventually(() => outcomes.length === 4);
    expect(outcomes.map((o) => [o.result, o.detail])).toEqual([
      ['bad-hello', 'malformed TLS ClientHello: not a TLS handshake (first byte 0x53)'],
      ['no-hello', 'no complete ClientHello within 300 ms (2 bytes)'],
      ['no-route', 'no route for unknown{mesh=default}'],
      ['unreachable', expect.stringContaining('ECONNREFUSED')],
    ]);
  });

  it('works behind a custom listener, showing route the socket it was handed', async () => {
    const app = t.server(net.createServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket)));
    const appPort = await listen(app);
    const seen = new WeakMap<net.Socket, string>();
    const router = createPassthroughRouter({
      sni: false,
      route: ({ client }) => {
        seen.set(client, String(client.remoteAddress));
        return [local(appPort)];
      },
    });
    routers.push(router);
    const accounted: (string | undefined)[] = [];
    // Not paused on accept: the client's first bytes are read (and buffered) before routing.
    const server = t.server(
      net.createServer({ allowHalfOpen: true }, (client) => {
        void router.handle(client).then((outcome) => accounted.push(`${seen.get(client)} ${outcome.result}`));
      }),
    );
    const port = await listen(server);
    const client = t.socket(net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }));
    client.end('early bytes');
    const chunks: Buffer[] = [];
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(client, 'end');
    expect(Buffer.concat(chunks).toString()).toBe('early bytes');
    await eventually(() => accounted.length === 1);
    expect(accounted).toEqual(['127.0.0.1 piped']);
  });

  it('closes when its signal aborts, cutting open connections', async () => {
    const app = t.server(net.createServer((socket) => socket.on('error', () => {})));
    const appPort = await listen(app);
    const stop = new AbortController();
    const router = createPassthroughRouter({
      sni: false,
      route: () => [local(appPort)],
      signal: stop.signal,
    });
    const { port } = await router.listen(0);
    const client = t.socket(net.connect({ host: '127.0.0.1', port }));
    client.on('error', () => {});
    await eventually(() => router.activeConnections === 1, 5000, 'the connection');
    const closed = new Promise((resolve) => client.on('close', resolve));
    stop.abort();
    await closed;
    expect(router.server.listening).toBe(false);
    await eventually(() => router.activeConnections === 0, 5000, 'the count to drop');
  });

  it('passes an abrupt upstream failure on to the client', async () => {
    const app = t.server(
      net.createServer((socket) => {
        socket.on('error', () => {});
        socket.once('data', () => socket.resetAndDestroy());
      }),
    );
    const appPort = await listen(app);
    const { port } = await startRouter({ sni: false, route: () => [local(appPort)] });
    const client = t.socket(net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }));
    const errors: string[] = [];
    client.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? err.message));
    const closed = new Promise((resolve) => client.on('close', resolve));
    client.write('x');
    await closed;
    expect(errors).toEqual(['ECONNRESET']);
  });
});
