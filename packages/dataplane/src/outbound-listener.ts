/**
 * One outbound: a local TCP listener the app calls (`127.0.0.1:<port>` by default), balancing
 * each connection over the pushed endpoints of the service — healthy ones (active checks from
 * the pushed `healthCheck`, passive ejection after failed connects), TrafficRoute splits, local
 * zone first when locality-aware, weighted by instance count — and opening mTLS to the chosen one
 * with the outbound's SNI and the workload certificate (plain TCP, local endpoints only, when the
 * mesh has no mTLS). A new config replaces endpoints and settings for new connections only.
 */
import net, { type Socket } from 'node:net';
import type { ProxyOutbound } from '@zonemesh/api';
import {
  adoptForPooledReads,
  type Connector,
  createHealthTracker,
  createLocalityAware,
  createWeighted,
  dialUpstream,
  type Endpoint,
  endpointKey,
  formatKumaSni,
  type HealthTracker,
  type LoadBalancer,
  type MtlsClient,
  pipe,
  tcpConnector,
} from '@zonemesh/proxy';
import type { Logger } from '@zonemesh/runtime';
import { type ActiveChecks, createActiveChecks } from './active-health.js';
import { createEndpointProber } from './endpoint-probe.js';
import { createListener, type Listener } from './listener.js';
import { failureReason, type SidecarMetrics } from './sidecar-metrics.js';
import { createSplitPicker } from './route-split.js';

/** How the sidecar currently reaches upstreams. */
export interface UpstreamSecurity {
  /** Mesh mTLS on: endpoints are reached over mTLS, remote zones allowed. */
  readonly mtls: boolean;
  /** The workload's client; undefined while no certificate is held (connections then fail). */
  readonly client: MtlsClient | undefined;
}

/** What every outbound shares. */
export interface OutboundContext {
  readonly mesh: string;
  readonly zone: string;
  readonly metrics: SidecarMetrics;
  readonly log: Logger;
  /** Stops every connection when the sidecar shuts down. */
  readonly signal: AbortSignal;
}

/** A running outbound. */
export interface OutboundListener {
  /** Applies a new config of this outbound (same address and port). */
  update(outbound: ProxyOutbound, security: UpstreamSecurity): void;
  /** Stops listening; connections already piped keep going. */
  close(): Promise<void>;
}

const connectTimeoutMs = 5_000;
const direction = 'outbound';

/** Starts listening on the outbound's address and port (retried in the background on failure). */
export function createOutboundListener(
  initial: ProxyOutbound,
  initialSecurity: UpstreamSecurity,
  context: OutboundContext,
): OutboundListener {
  const { metrics } = context;
  const log = context.log.child({ outbound: `${initial.address}:${initial.port}`, service: initial.service });
  let outbound = initial;
  let security = initialSecurity;
  let endpoints: readonly Endpoint[] = [];
  let balancer: LoadBalancer = createBalancer(initial.localityAware, context.zone);
  const splits = createSplitPicker();
  const passive: HealthTracker = createHealthTracker({
    signal: context.signal,
    onChange: (change) =>
      log.info(
        {
          endpoint: endpointKey(change.endpoint),
          healthy: change.healthy,
          cause: change.cause,
          reason: change.reason,
        },
        'endpoint health changed',
      ),
  });
  const plain = tcpConnector();

  const serverNameFor = (service: string) =>
    service === outbound.service ? outbound.sni : formatKumaSni({ service, mesh: context.mesh, tags: {} });

  const connectorFor = (endpoint: Endpoint): Connector => {
    if (!security.mtls) return plain;
    const client = security.client;
    if (client === undefined) return () => Promise.reject(new Error('no workload certificate yet (tls)'));
    const service = serviceOf(endpoint, outbound.service);
    return client.connector({ serverName: serverNameFor(service), expect: { mesh: context.mesh, service } });
  };

  const counted: Connector = async (endpoint, signal) => {
    try {
      return await connectorFor(endpoint)(endpoint, signal);
    } catch (err) {
      metrics.upstreamFailures.inc({
        direction,
        service: outbound.service,
        zone: endpoint.zone ?? '',
        reason: failureReason(err),
      });
      throw err;
    }
  };

  // Probes speak what the data path speaks: mTLS with the SNI, so they reach the app behind the
  // destination sidecar (or, through a remote ingress, one instance of the service there).
  const active: ActiveChecks = createActiveChecks({
    probe: createEndpointProber(async (endpoint, signal) => {
      if (!security.mtls) return probeSocket(endpoint, signal);
      const client = security.client;
      if (client === undefined) throw new Error('no workload certificate yet');
      const service = serviceOf(endpoint, outbound.service);
      const target = { host: endpoint.address, port: endpoint.port, serverName: serverNameFor(service) };
      return (await client.connect({ ...target, expect: { mesh: context.mesh, service } }, signal)).socket;
    }, initial.service),
    onChange(endpoint, healthy, reason) {
      metrics.endpointHealthy.set(
        { service: outbound.service, endpoint: endpointKey(endpoint), zone: endpoint.zone ?? '' },
        healthy ? 1 : 0,
      );
      if (!healthy || reason !== undefined)
        log.info(
          { endpoint: endpointKey(endpoint), zone: endpoint.zone, healthy, reason },
          'health check changed',
        );
    },
    onForget(endpoint) {
      metrics.endpointHealthy.remove({
        service: outbound.service,
        endpoint: endpointKey(endpoint),
        zone: endpoint.zone ?? '',
      });
    },
  });
  context.signal.addEventListener('abort', () => active.close(), { once: true });

  const apply = (next: ProxyOutbound, nextSecurity: UpstreamSecurity) => {
    if (next.localityAware !== outbound.localityAware)
      balancer = createBalancer(next.localityAware, context.zone);
    outbound = next;
    security = nextSecurity;
    endpoints = next.endpoints
      .filter((endpoint) => nextSecurity.mtls || endpoint.local)
      .map((endpoint) => ({
        address: endpoint.address,
        port: endpoint.port,
        weight: endpoint.weight,
        zone: endpoint.zone,
        tags: endpoint.tags,
      }));
    passive.setEndpoints(endpoints);
    active.setCheck(next.healthCheck);
    active.setEndpoints(endpoints);
  };
  apply(initial, initialSecurity);

  const handle = async (client: Socket): Promise<void> => {
    const service = outbound.service;
    client.on('error', () => {});
    metrics.connections.inc({ direction, service });
    metrics.activeConnections.inc({ direction, service });
    try {
      const usable = endpoints.filter((endpoint) => active.isHealthy(endpoint));
      const candidates = splits.candidates(outbound.route, usable);
      if (candidates.length === 0) {
        metrics.upstreamFailures.inc({ direction, service, zone: '', reason: 'no_endpoint' });
        log.debug({ endpoints: endpoints.length }, 'no healthy endpoint; connection closed');
        client.destroy();
        return;
      }
      let upstream: Socket;
      try {
        ({ socket: upstream } = await dialUpstream(candidates, {
          balancer,
          health: passive,
          connect: counted,
          connectTimeoutMs,
          signal: context.signal,
        }));
      } catch (err) {
        log.debug({ err: (err as Error).message }, 'no endpoint could be reached; connection closed');
        client.destroy();
        return;
      }
      if (client.destroyed) {
        upstream.destroy();
        return;
      }
      // Nothing was read from the client yet (accepted paused): it can move onto pooled reads.
      const result = await pipe(adoptForPooledReads(client), upstream, { signal: context.signal });
      metrics.bytes.inc({ direction, service, flow: 'upstream' }, result.bytesAToB);
      metrics.bytes.inc({ direction, service, flow: 'downstream' }, result.bytesBToA);
    } finally {
      metrics.activeConnections.dec({ direction, service });
    }
  };

  const listener: Listener = createListener({
    address: initial.address,
    port: initial.port,
    log,
    signal: context.signal,
    pauseOnConnect: true,
    onConnection: (socket) => void handle(socket),
  });

  return {
    update: apply,
    close() {
      active.close();
      passive.close();
      return listener.close();
    },
  };
}

/** The `kuma.io/service` an endpoint serves: a split may name other services than the outbound's. */
function serviceOf(endpoint: Endpoint, fallback: string): string {
  return endpoint.tags?.['kuma.io/service'] ?? fallback;
}

function createBalancer(localityAware: boolean, zone: string): LoadBalancer {
  return localityAware ? createLocalityAware({ localZone: zone }) : createWeighted();
}

/** A plain TCP connection for a probe (mTLS off). */
function probeSocket(endpoint: Endpoint, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: endpoint.address, port: endpoint.port });
    const fail = (err: Error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(err);
    };
    const onAbort = () => fail(new Error('probe aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', fail);
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}
