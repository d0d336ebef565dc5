/**
 * One inbound: listens on its address and port and forwards to the app at
 * `serviceAddress:servicePort`. With mesh mTLS it terminates TLS first, requiring a client
 * certificate that chains to the mesh root (plaintext clients and other meshes' certificates are
 * refused in the handshake), reads the client's identity from its SANs and applies the inbound's
 * permission rules: a denied connection is closed, counted by policy and logged with source,
 * destination and the deciding policy. While the sidecar's own probe finds the app dead, new
 * connections are reset before any handshake. A new config (rules, app address, certificate)
 * applies to new connections; established ones are left alone.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ProxyInbound } from '@zonemesh/api';
import type { MeshIdentity } from '@zonemesh/pki';
import { createMtlsServer, type MtlsIdentity, type MtlsServer, pipe, tcpConnector } from '@zonemesh/proxy';
import type { Logger } from '@zonemesh/runtime';
import { createListener, type Listener } from './listener.js';
import { decidePermission, sourceServiceOf } from './permissions.js';
import { failureReason, type SidecarMetrics } from './sidecar-metrics.js';

/** How the sidecar currently admits clients. */
export interface InboundSecurity {
  /** Mesh mTLS on: clients must present a mesh certificate and pass the permission rules. */
  readonly mtls: boolean;
  /** The workload's TLS material; undefined while none is held (connections are then refused). */
  readonly identity: MtlsIdentity | undefined;
}

/** What every inbound shares. */
export interface InboundContext {
  readonly mesh: string;
  readonly zone: string;
  readonly metrics: SidecarMetrics;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** The sidecar's own probe of the app behind the inbound on `port` (undefined: not probed yet). */
  readonly appHealthy: (port: number) => boolean | undefined;
}

/** A running inbound. */
export interface InboundListener {
  /** Applies a new config of this inbound (same address and port). */
  update(inbound: ProxyInbound, security: InboundSecurity): void;
  /** Stops listening; connections already piped keep going. */
  close(): Promise<void>;
}

const direction = 'inbound';
const appConnectTimeoutMs = 5_000;
const handshakeTimeoutMs = 10_000;

/** Starts listening (retried in the background while the port is taken). */
export function createInboundListener(
  initial: ProxyInbound,
  initialSecurity: InboundSecurity,
  context: InboundContext,
): InboundListener {
  const { metrics } = context;
  const log = context.log.child({ inbound: `${initial.address}:${initial.port}` });
  let inbound = initial;
  let security = initialSecurity;
  let tls: MtlsServer | undefined;
  let tlsIdentity: MtlsIdentity | undefined;
  const connectApp = tcpConnector();
  const serviceOf = () => inbound.tags['kuma.io/service'] ?? '';

  const forward = async (client: Socket, peer: MeshIdentity | undefined): Promise<void> => {
    const service = serviceOf();
    const app = { address: inbound.serviceAddress, port: inbound.servicePort };
    let upstream: Socket;
    try {
      upstream = await connectApp(
        app,
        AbortSignal.any([context.signal, AbortSignal.timeout(appConnectTimeoutMs)]),
      );
    } catch (err) {
      metrics.upstreamFailures.inc({ direction, service, zone: context.zone, reason: failureReason(err) });
      log.debug(
        { err: (err as Error).message, app: `${app.address}:${app.port}` },
        'app unreachable; connection closed',
      );
      client.destroy();
      return;
    }
    if (client.destroyed) {
      upstream.destroy();
      return;
    }
    const result = await pipe(client, upstream, { signal: context.signal });
    metrics.bytes.inc({ direction, service, flow: 'upstream' }, result.bytesAToB);
    metrics.bytes.inc({ direction, service, flow: 'downstream' }, result.bytesBToA);
    if (peer !== undefined && result.error !== undefined)
      log.debug({ source: sourceServiceOf(peer), err: result.error.message }, 'connection ended abruptly');
  };

  const admit = ({ socket, peer }: { socket: TLSSocket; peer: MeshIdentity }) => {
    const decision = decidePermission(inbound.permissions, context.mesh, peer);
    const service = serviceOf();
    const labels = {
      service,
      source_service: sourceServiceOf(peer),
      policy_type: decision.policy?.type ?? '',
      policy_name: decision.policy?.name ?? '',
    };
    if (!decision.allowed) {
      metrics.denied.inc(labels);
      log.info(
        {
          source: labels.source_service,
          sourceMesh: peer.mesh,
          destination: service,
          policy: decision.policy,
        },
        'connection denied',
      );
      socket.destroy();
      return;
    }
    if (decision.shadowDenied) {
      metrics.shadowDenied.inc(labels);
      log.info(
        { source: labels.source_service, destination: service, policy: decision.policy },
        'connection allowed by a shadow deny rule: it would be denied',
      );
    }
    void forward(socket, peer);
  };

  const tlsServerFor = (identity: MtlsIdentity): MtlsServer => {
    if (tls === undefined) {
      tls = createMtlsServer({
        identity,
        handshakeTimeoutMs,
        onConnection: admit,
        onRejected: (err) =>
          log.info({ err: err.message, service: serviceOf() }, 'client refused in the mTLS handshake'),
      });
    } else if (identity !== tlsIdentity) tls.setIdentity(identity);
    tlsIdentity = identity;
    return tls;
  };

  const accept = (socket: Socket) => {
    const service = serviceOf();
    socket.on('error', () => {});
    metrics.connections.inc({ direction, service });
    if (context.appHealthy(inbound.port) === false) {
      // Refused before any handshake: the caller's connect fails, so it ejects this endpoint and
      // tries another at once, and health checks see the dead app, until the control plane has
      // taken the inbound out of every endpoint list.
      metrics.upstreamFailures.inc({ direction, service, zone: context.zone, reason: 'connect' });
      socket.resetAndDestroy();
      return;
    }
    metrics.activeConnections.inc({ direction, service });
    socket.once('close', () => metrics.activeConnections.dec({ direction, service }));
    if (!security.mtls) {
      void forward(socket, undefined);
      return;
    }
    const identity = security.identity;
    if (identity === undefined) {
      log.warn({ service }, 'connection refused: no workload certificate yet');
      socket.destroy();
      return;
    }
    // The TLS server never listens itself: it takes over sockets accepted here, so switching mTLS
    // on or off needs no new listener and connections on either side of the switch survive.
    tlsServerFor(identity).server.emit('connection', socket);
  };

  const listener: Listener = createListener({
    address: initial.address,
    port: initial.port,
    log,
    signal: context.signal,
    onConnection: accept,
  });

  const update = (next: ProxyInbound, nextSecurity: InboundSecurity) => {
    inbound = next;
    security = nextSecurity;
    if (nextSecurity.identity !== undefined && tls !== undefined) tlsServerFor(nextSecurity.identity);
  };
  update(initial, initialSecurity);

  return { update, close: () => listener.close() };
}
