/**
 * The sidecar's metrics, named as docs/metrics.md catalogues them (`zonemesh_proxy_*`): those every
 * proxy exports (`@zonemesh/proxy`) plus the sidecar's own (permission denials, endpoint health).
 * Updated per connection, never per chunk.
 */
import { createProxyMetrics, type ProxyMetrics } from '@zonemesh/proxy';
import { Counter, Gauge, type Registry } from 'prom-client';

/** Instruments shared by the sidecar's listeners and control-plane link. */
export interface SidecarMetrics extends ProxyMetrics {
  readonly denied: Counter<'service' | 'source_service' | 'policy_type' | 'policy_name'>;
  readonly shadowDenied: Counter<'service' | 'source_service' | 'policy_type' | 'policy_name'>;
  readonly endpointHealthy: Gauge<'service' | 'endpoint' | 'zone'>;
}

/** Why a connection to an endpoint failed (the `reason` label). */
export type UpstreamFailureReason = 'connect' | 'tls' | 'timeout' | 'reset' | 'no_endpoint';

/** Registers the sidecar's instruments in `registry`. */
export function createSidecarMetrics(registry: Registry): SidecarMetrics {
  const registers = [registry];
  return {
    ...createProxyMetrics(registry),
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
