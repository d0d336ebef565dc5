/**
 * The sidecar's metrics, named as docs/metrics.md catalogues them (`zonemesh_proxy_*`). Counters
 * are updated per connection (accept, close, refusal), never per chunk: the data path does no
 * bookkeeping while bytes flow; bytes are added when a connection closes.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** Instruments shared by the sidecar's listeners and control-plane link. */
export interface ProxyMetrics {
  readonly info: Gauge<'kind' | 'mesh' | 'name' | 'zone'>;
  readonly controlPlaneConnected: Gauge;
  readonly configUpdates: Counter;
  readonly connections: Counter<'direction' | 'service'>;
  readonly activeConnections: Gauge<'direction' | 'service'>;
  readonly bytes: Counter<'direction' | 'service' | 'flow'>;
  readonly denied: Counter<'service' | 'source_service' | 'policy_type' | 'policy_name'>;
  readonly shadowDenied: Counter<'service' | 'source_service' | 'policy_type' | 'policy_name'>;
  readonly upstreamFailures: Counter<'direction' | 'service' | 'zone' | 'reason'>;
  readonly endpointHealthy: Gauge<'service' | 'endpoint' | 'zone'>;
}

/** Why a connection to an endpoint failed (the `reason` label). */
export type UpstreamFailureReason = 'connect' | 'tls' | 'timeout' | 'reset' | 'no_endpoint';

/** Registers the sidecar's instruments in `registry`. */
export function createProxyMetrics(registry: Registry): ProxyMetrics {
  const registers = [registry];
  return {
    info: new Gauge({
      name: 'zonemesh_proxy_info',
      help: 'Always 1; which proxy this is',
      labelNames: ['kind', 'mesh', 'name', 'zone'],
      registers,
    }),
    controlPlaneConnected: new Gauge({
      name: 'zonemesh_proxy_control_plane_connected',
      help: '1 while the config stream to the zone control plane is open (0: serving the last config)',
      registers,
    }),
    configUpdates: new Counter({
      name: 'zonemesh_proxy_config_updates_total',
      help: 'Configs received and applied',
      registers,
    }),
    connections: new Counter({
      name: 'zonemesh_proxy_connections_total',
      help: 'Connections accepted',
      labelNames: ['direction', 'service'],
      registers,
    }),
    activeConnections: new Gauge({
      name: 'zonemesh_proxy_active_connections',
      help: 'Connections open now',
      labelNames: ['direction', 'service'],
      registers,
    }),
    bytes: new Counter({
      name: 'zonemesh_proxy_bytes_total',
      help: 'Bytes piped (added when a connection closes)',
      labelNames: ['direction', 'service', 'flow'],
      registers,
    }),
    denied: new Counter({
      name: 'zonemesh_proxy_denied_connections_total',
      help: 'Inbound connections closed by the permission rules, by deciding policy',
      labelNames: ['service', 'source_service', 'policy_type', 'policy_name'],
      registers,
    }),
    shadowDenied: new Counter({
      name: 'zonemesh_proxy_shadow_denied_connections_total',
      help: 'Inbound connections an AllowWithShadowDeny rule let through that would be denied',
      labelNames: ['service', 'source_service', 'policy_type', 'policy_name'],
      registers,
    }),
    upstreamFailures: new Counter({
      name: 'zonemesh_proxy_upstream_failures_total',
      help: 'Connections to an endpoint that failed, by endpoint zone and reason',
      labelNames: ['direction', 'service', 'zone', 'reason'],
      registers,
    }),
    endpointHealthy: new Gauge({
      name: 'zonemesh_proxy_endpoint_healthy',
      help: 'Active health-check state per endpoint: 1 healthy, 0 unhealthy',
      labelNames: ['service', 'endpoint', 'zone'],
      registers,
    }),
  };
}

/** Classifies a failed connect for the `reason` label. */
export function failureReason(err: unknown): UpstreamFailureReason {
  const text = `${(err as NodeJS.ErrnoException | undefined)?.code ?? ''} ${err instanceof Error ? err.message : String(err)}`;
  if (/ETIMEDOUT|timeout|timed out|aborted/i.test(text)) return 'timeout';
  if (/ECONNRESET|EPIPE|socket hang up|closed/i.test(text)) return 'reset';
  if (/ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EADDRNOTAVAIL/i.test(text)) return 'connect';
  if (/ssl|tls|certificate|handshake|alert|Unauthenticated|server is not/i.test(text)) return 'tls';
  return 'connect';
}
