/** Real-socket helpers shared by the proxy tests. */
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { createCsr, createRootCa, signIntermediate, signWorkload } from '@zonemesh/pki';
import type { MtlsIdentity } from '../mtls.js';

/** Servers and sockets a test opened; `closeAll` in afterEach. */
export function tracker() {
  const servers: net.Server[] = [];
  const sockets: net.Socket[] = [];
  return {
    server<S extends net.Server>(server: S): S {
      servers.push(server);
      server.on('connection', (socket: net.Socket) => sockets.push(socket));
      return server;
    },
    socket<S extends net.Socket>(socket: S): S {
      sockets.push(socket);
      return socket;
    },
    async closeAll() {
      for (const socket of sockets.splice(0)) socket.destroy();
      await Promise.all(
        servers.splice(0).map(
          (server) =>
            new Promise<void>((resolve) => {
              if (server.listening) server.close(() => resolve());
              else resolve();
            }),
        ),
      );
    },
  };
}

/** Listens on a free loopback port and returns it. */
export async function listen(server: net.Server, port = 0): Promise<number> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/**
 * The exact ClientHello bytes a real `tls.connect` sends with these options (captured by a TCP
 * server that never answers).
 */
export async function captureClientHello(options: tls.ConnectionOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const server = net.createServer((socket) => {
    socket.on('data', (chunk) => chunks.push(chunk));
  });
  const port = await listen(server);
  const client = tls.connect({ ...options, host: '127.0.0.1', port, rejectUnauthorized: false });
  client.on('error', () => {});
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    const data = Buffer.concat(chunks);
    if (data.length >= 5 && data.length >= 5 + data.readUInt16BE(3)) break;
  }
  client.destroy();
  server.close();
  return Buffer.concat(chunks);
}

/** Re-frames one handshake message (from a single-record ClientHello) into records of at most `size` bytes. */
export function refragment(hello: Buffer, size: number): Buffer {
  const message = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const records: Buffer[] = [];
  for (let at = 0; at < message.length; at += size) {
    const part = message.subarray(at, at + size);
    const header = Buffer.from([22, 3, 1, 0, 0]);
    header.writeUInt16BE(part.length, 3);
    records.push(header, part);
  }
  return Buffer.concat(records);
}

/** A mesh with one root and workload identities for the named services. */
export async function meshIdentities(mesh: string, services: readonly string[]) {
  const root = await createRootCa({ mesh });
  const zoneCsr = await createCsr({ commonName: 'zone-1' });
  const intermediate = await signIntermediate(root, zoneCsr.csrPem, { zone: 'zone-1', mesh });
  const issuer = { certPem: intermediate.certPem, keyPem: zoneCsr.keyPem };
  const identities: Record<string, MtlsIdentity> = {};
  for (const service of services) {
    const csr = await createCsr();
    const cert = await signWorkload(issuer, csr.csrPem, {
      mesh,
      inboundTags: [{ 'kuma.io/service': service }],
    });
    identities[service] = { certChainPem: cert.chainPem, keyPem: csr.keyPem, trustPem: root.certPem };
  }
  return { root, identities };
}

/** Waits until `predicate` holds, polling; fails after `timeoutMs`. */
export async function eventually(
  predicate: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
