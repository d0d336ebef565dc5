import { once } from 'node:events';
import { isMeshError } from '@zonemesh/api';
import type { MeshIdentity } from '@zonemesh/pki';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, listen, meshIdentities, tracker } from './__fixtures__/sockets.js';
import net from 'node:net';
import { createMtlsClient, createMtlsServer, type MtlsIdentity } from './mtls.js';
import { pipe } from './pipe.js';
import { tcpConnector } from './upstream-dial.js';

const t = tracker();
afterEach(() => t.closeAll());

describe('mesh mTLS', () => {
  let ids: Record<string, MtlsIdentity>;
  let otherMesh: Record<string, MtlsIdentity>;
  beforeAll(async () => {
    ids = (await meshIdentities('default', ['frontend', 'backend', 'backend-v2'])).identities;
    otherMesh = (await meshIdentities('default', ['frontend'])).identities;
  });

  async function echoServer(identity: MtlsIdentity) {
    const peers: MeshIdentity[] = [];
    const rejected: Error[] = [];
    const mtls = createMtlsServer({
      identity,
      onConnection: ({ socket, peer }) => {
        peers.push(peer);
        socket.pipe(socket);
      },
      onRejected: (err) => rejected.push(err),
    });
    const port = await listen(t.server(mtls.server));
    return { mtls, port, peers, rejected };
  }

  async function errorOf(promise: Promise<unknown>) {
    try {
      await promise;
    } catch (err) {
      return isMeshError(err) ? `${err.code}: ${err.message}` : String(err);
    }
    return 'connected';
  }

  it('authenticates both ends and tells each who the other is', async () => {
    const { port, peers } = await echoServer(ids['backend'] as MtlsIdentity);
    const client = createMtlsClient(ids['frontend'] as MtlsIdentity);
    const { socket, peer } = await client.connect({
      host: '127.0.0.1',
      port,
      serverName: 'backend{mesh=default}',
      expect: { mesh: 'default', service: 'backend' },
    });
    t.socket(socket);
    expect(peer.services).toEqual(['backend']);
    socket.write('hi');
    const [echo] = await once(socket, 'data');
    expect(String(echo)).toBe('hi');
    expect(peers).toEqual([
      { mesh: 'default', services: ['frontend'], tags: { 'kuma.io/service': ['frontend'] } },
    ]);
  });

  it('refuses a server that is not the expected service', async () => {
    const { port } = await echoServer(ids['backend-v2'] as MtlsIdentity);
    const client = createMtlsClient(ids['frontend'] as MtlsIdentity);
    const target = { host: '127.0.0.1', port, serverName: 'backend{mesh=default}' };
    expect(
      await errorOf(client.connect({ ...target, expect: { mesh: 'default', service: 'backend' } })),
    ).toBe('Unauthenticated: server is not spiffe://default/backend (it is spiffe://default/backend-v2)');
  });

  it('refuses a client certified by another mesh root, before the application sees it', async () => {
    const { port, peers, rejected } = await echoServer(ids['backend'] as MtlsIdentity);
    const intruder = createMtlsClient({
      ...(otherMesh['frontend'] as MtlsIdentity),
      trustPem: (ids['backend'] as MtlsIdentity).trustPem,
    });
    const outcome = await errorOf(
      intruder
        .connect({ host: '127.0.0.1', port, serverName: 'backend{mesh=default}' })
        .then(async ({ socket }) => {
          // TLS 1.3: the client learns of the refusal only when it reads: the server hangs up.
          t.socket(socket);
          socket.resume();
          socket.write('x');
          await once(socket, 'end');
          return Promise.reject(new Error('server hung up'));
        }),
    );
    expect(outcome).toMatch(/server hung up|ECONNRESET|alert/);
    await eventually(() => rejected.length === 1, 5000, 'the rejection');
    expect(peers).toEqual([]);
  });

  it('half-closes across TLS: the client ends its side and still gets the answer (sidecar inbound)', async () => {
    const app = t.server(
      net.createServer({ allowHalfOpen: true }, (socket) => {
        const got: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => got.push(chunk));
        socket.on('end', () =>
          setTimeout(() => socket.end(`after end: ${Buffer.concat(got).toString()}`), 50),
        );
      }),
    );
    const appPort = await listen(app);
    const inbound = createMtlsServer({
      identity: ids['backend'] as MtlsIdentity,
      onConnection: ({ socket }) => {
        void tcpConnector()({ address: '127.0.0.1', port: appPort }, AbortSignal.timeout(5000)).then(
          (upstream) => pipe(socket, upstream),
        );
      },
    });
    const port = await listen(t.server(inbound.server));
    const { socket } = await createMtlsClient(ids['frontend'] as MtlsIdentity).connect({
      host: '127.0.0.1',
      port,
      serverName: 'backend{mesh=default}',
    });
    t.socket(socket);
    const reply: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => reply.push(chunk));
    socket.end('request');
    await once(socket, 'end');
    expect(Buffer.concat(reply).toString()).toBe('after end: request');
  });

  it('serves new connections with a rotated certificate', async () => {
    const { mtls, port } = await echoServer(ids['backend'] as MtlsIdentity);
    const client = createMtlsClient(ids['frontend'] as MtlsIdentity);
    mtls.setIdentity(ids['backend-v2'] as MtlsIdentity);
    const { socket, peer } = await client.connect({ host: '127.0.0.1', port, serverName: 'x' });
    t.socket(socket);
    expect(peer.services).toEqual(['backend-v2']);
  });
});
