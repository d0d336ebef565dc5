/**
 * Mesh mTLS over `node:tls` with `@zonemesh/pki` certificates: a server that requires a client
 * certificate chaining to the mesh root and tells who the client is, and a client that presents
 * its workload certificate and checks the server's service identity instead of a host name.
 */
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { MeshError, isMeshError } from '@zonemesh/api';
import { identityOf, type MeshIdentity, spiffeId } from '@zonemesh/pki';
import type { Endpoint } from './endpoint.js';
import { createPooledReader, type PooledReader } from './pooled-reader.js';
import { type Connector, settleOnEvent } from './upstream-dial.js';

/** A workload's TLS material, all PEM. */
export interface MtlsIdentity {
  /** The workload certificate followed by its zone intermediate (pki's `chainPem`). */
  readonly certChainPem: string;
  readonly keyPem: string;
  /** The mesh root(s) to trust: the trust bundle (several during a root rotation). */
  readonly trustPem: string;
}

/** A TLS socket whose peer has been authenticated, and who the peer is. */
export interface AuthenticatedSocket {
  readonly socket: tls.TLSSocket;
  readonly peer: MeshIdentity;
}

/** Options of {@link createMtlsServer}. */
export interface MtlsServerOptions {
  readonly identity: MtlsIdentity;
  /** Called for each client that completed the handshake with a valid mesh certificate. */
  readonly onConnection: (connection: AuthenticatedSocket) => void;
  /** Clients that fail the handshake (no certificate, another mesh's root, ...), for logs and metrics. */
  readonly onRejected?: (error: Error) => void;
  /** Default 10 000 ms. */
  readonly handshakeTimeoutMs?: number;
}

/** An mTLS server; `setIdentity` swaps the certificate for new connections (rotation). */
export interface MtlsServer {
  readonly server: tls.Server;
  setIdentity(identity: MtlsIdentity): void;
}

/**
 * Creates (does not start) a TLS server that requires a client certificate chaining to
 * `identity.trustPem` and carrying a mesh identity; the socket is half-open capable and has
 * Nagle off, ready for {@link pipe}. Clients without a valid certificate are refused during the
 * handshake and never reach `onConnection`.
 */
export function createMtlsServer(options: MtlsServerOptions): MtlsServer {
  const server = tls.createServer({
    ...contextOptions(options.identity),
    requestCert: true,
    rejectUnauthorized: true,
    allowHalfOpen: true,
    noDelay: true,
    handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
  });
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    let peer: MeshIdentity;
    try {
      peer = identityOf(socket.getPeerCertificate());
    } catch (err) {
      socket.destroy();
      options.onRejected?.(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    options.onConnection({ socket, peer });
  });
  server.on('tlsClientError', (err) => options.onRejected?.(err));
  return {
    server,
    setIdentity(identity) {
      server.setSecureContext(contextOptions(identity));
    },
  };
}

/** Where and as whom to connect. */
export interface MtlsConnectOptions {
  readonly host: string;
  readonly port: number;
  /** SNI to send: Kuma's `<service>{mesh=...}` (see {@link formatKumaSni}). */
  readonly serverName: string;
  /** Require the server to be this service of this mesh (`spiffe://<mesh>/<service>` SAN). */
  readonly expect?: { readonly mesh: string; readonly service: string };
}

/** Makes mTLS connections as one workload; `setIdentity` swaps certificates for new connections. */
export interface MtlsClient {
  connect(options: MtlsConnectOptions, signal?: AbortSignal): Promise<AuthenticatedSocket>;
  /**
   * A {@link Connector} for routers: every endpoint is reached with this SNI and expectation. Its
   * sockets read into pooled buffers and deliver only to {@link pipe}, not as `data` events.
   */
  connector(target: Omit<MtlsConnectOptions, 'host' | 'port'>): Connector;
  setIdentity(identity: MtlsIdentity): void;
}

/**
 * Creates an mTLS client. The server certificate must chain to the trust bundle; its host name is
 * not checked (mesh certificates carry URIs, not DNS names) but, with `expect`, its SPIFFE id is.
 * One secure context is shared by all connections until `setIdentity`.
 */
export function createMtlsClient(identity: MtlsIdentity): MtlsClient {
  let context = tls.createSecureContext(contextOptions(identity));
  const open = (
    options: MtlsConnectOptions,
    signal: AbortSignal,
    pooled = false,
  ): Promise<AuthenticatedSocket> =>
    new Promise((resolve, reject) => {
      let peer: MeshIdentity | undefined;
      let mismatch: Error | undefined;
      // `allowHalfOpen` and `onread` are passed on to the TLSSocket by Node but missing from the typings.
      const reader = pooled ? createPooledReader() : undefined;
      const connectOptions: tls.ConnectionOptions & {
        allowHalfOpen: boolean;
        onread?: PooledReader['onread'];
      } = {
        ...(reader === undefined ? {} : { onread: reader.onread }),
        host: options.host,
        port: options.port,
        servername: options.serverName,
        secureContext: context,
        allowHalfOpen: true,
        rejectUnauthorized: true,
        checkServerIdentity: (_host, cert) => {
          try {
            peer = identityOf(cert);
          } catch (err) {
            return (mismatch = err instanceof Error ? err : new Error(String(err)));
          }
          const expect = options.expect;
          if (
            expect !== undefined &&
            (peer.mesh !== expect.mesh || !peer.services.includes(expect.service))
          ) {
            const wanted = spiffeId(expect.mesh, expect.service);
            mismatch = new MeshError('Unauthenticated', `server is not ${wanted} (it is ${describe(peer)})`);
            return mismatch;
          }
          return undefined;
        },
      };
      const socket = tls.connect(connectOptions);
      reader?.bind(socket);
      socket.setNoDelay(true);
      settleOnEvent(
        socket,
        'secureConnect',
        signal,
        (connected: Socket) => {
          if (peer === undefined) {
            connected.destroy();
            reject(new MeshError('Unauthenticated', 'server presented no mesh identity'));
          } else resolve({ socket: connected as tls.TLSSocket, peer });
        },
        (err) =>
          reject(
            mismatch ?? (isMeshError(err) ? err : new MeshError('Unavailable', err.message, { cause: err })),
          ),
      );
    });
  return {
    connect(options, signal = new AbortController().signal) {
      return open(options, signal);
    },
    connector(target) {
      return async (endpoint: Endpoint, signal: AbortSignal) =>
        (await open({ ...target, host: endpoint.address, port: endpoint.port }, signal, true)).socket;
    },
    setIdentity(next) {
      context = tls.createSecureContext(contextOptions(next));
    },
  };
}

function contextOptions(identity: MtlsIdentity): tls.SecureContextOptions {
  return { cert: identity.certChainPem, key: identity.keyPem, ca: identity.trustPem, minVersion: 'TLSv1.2' };
}

function describe(peer: MeshIdentity): string {
  return peer.services.map((service) => spiffeId(peer.mesh, service)).join(', ') || `mesh ${peer.mesh}`;
}
