/** The certificates work where it matters: a real node:tls mTLS handshake with the root as the only CA. */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCsr } from './csr.js';
import { identityOf, type MeshIdentity } from './identity.js';
import { signIntermediate } from './intermediate-ca.js';
import { createRootCa, type RootCa } from './root-ca.js';
import { signWorkload } from './workload-certificate.js';

interface Workload {
  readonly cert: string;
  readonly key: string;
}

async function zoneOf(root: RootCa, zone: string) {
  const csr = await createCsr({ commonName: zone });
  const intermediate = await signIntermediate(root, csr.csrPem, { zone, mesh: root.mesh });
  return { certPem: intermediate.certPem, keyPem: csr.keyPem };
}

async function workload(
  issuer: { certPem: string; keyPem: string },
  mesh: string,
  service: string,
): Promise<Workload> {
  const csr = await createCsr();
  const issued = await signWorkload(issuer, csr.csrPem, {
    mesh,
    inboundTags: [{ 'kuma.io/service': service }],
  });
  return { cert: issued.chainPem, key: csr.keyPem };
}

const servers: tls.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** An mTLS echo server that records the identity of each client it accepted. */
async function mtlsServer(identity: Workload, ca: string) {
  const peers: MeshIdentity[] = [];
  const server = tls.createServer(
    { ...identity, ca, requestCert: true, rejectUnauthorized: true },
    (socket) => {
      peers.push(identityOf(socket.getPeerCertificate()));
      socket.pipe(socket);
    },
  );
  server.on('tlsClientError', () => {});
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, peers };
}

/** Connects, sends a line, and says what happened: the echo, or the error. */
function exchange(port: number, identity: Workload | undefined, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ca,
      servername: 'backend{mesh=default}',
      checkServerIdentity: () => undefined,
      ...identity,
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.on('secureConnect', () => socket.write('ping'));
    socket.on('data', (d) => {
      resolve(`echo:${d.toString()}`);
      socket.destroy();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(`error:${err.code ?? err.message}`));
    socket.on('close', () => resolve('closed'));
  });
}

describe('mTLS with mesh certificates', () => {
  let root: RootCa;
  let server: Workload;
  let client: Workload;
  beforeAll(async () => {
    root = await createRootCa({ mesh: 'default' });
    server = await workload(await zoneOf(root, 'zone-2'), 'default', 'backend');
    client = await workload(await zoneOf(root, 'zone-1'), 'default', 'frontend');
  });

  it('handshakes across zones with only the root trusted, and the server reads the client identity', async () => {
    const { port, peers } = await mtlsServer(server, root.certPem);
    expect(await exchange(port, client, root.certPem)).toBe('echo:ping');
    expect(peers).toEqual([
      { mesh: 'default', services: ['frontend'], tags: { 'kuma.io/service': ['frontend'] } },
    ]);
  });

  it('refuses a client without a certificate', async () => {
    const { port, peers } = await mtlsServer(server, root.certPem);
    expect(await exchange(port, undefined, root.certPem)).not.toBe('echo:ping');
    expect(peers).toEqual([]);
  });

  it("refuses a client whose certificate comes from another mesh's root", async () => {
    const otherRoot = await createRootCa({ mesh: 'default' });
    const intruder = await workload(await zoneOf(otherRoot, 'zone-1'), 'default', 'frontend');
    const { port, peers } = await mtlsServer(server, root.certPem);
    expect(await exchange(port, intruder, root.certPem)).not.toBe('echo:ping');
    expect(peers).toEqual([]);
  });

  it("makes the client refuse a server certified by another mesh's root", async () => {
    const otherRoot = await createRootCa({ mesh: 'default' });
    const impostor = await workload(await zoneOf(otherRoot, 'zone-2'), 'default', 'backend');
    const { port } = await mtlsServer(impostor, otherRoot.certPem);
    expect(await exchange(port, client, root.certPem)).toMatch(
      /^error:(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT)/,
    );
  });
});
