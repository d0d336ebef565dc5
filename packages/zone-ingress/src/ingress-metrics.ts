/**
 * The ingress's metrics, named as docs/metrics.md catalogues them (`zonemesh_proxy_*`,
 * `direction="ingress"`). Updated per connection, never per chunk; bytes are added when a
 * connection closes.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { UnroutableReason } from './route-table.js';

/** The ingress's instruments. */
export interface IngressMetrics {
  readonly info: Gauge<'kind' | 'mesh' | 'name' | 'zone'>;
  readonly controlPlaneConnected: Gauge;
  readonly configUpdates: Counter;
  readonly connections: Counter<'direction' | 'service'>;
  readonly activeConnections: Gauge<'direction' | 'service'>;
  readonly bytes: Counter<'direction' | 'service' | 'flow'>;
  readonly upstreamFailures: Counter<'direction' | 'service' | 'zone' | 'reason'>;
  readonly unroutable: Counter<'reason'>;
}

/** Registers the ingress's instruments in `registry`. */
export function createIngressMetrics(registry: Registry): IngressMetrics {
  const registers = [registry];
  const metrics: IngressMetrics = {
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
      help: 'Connections accepted (service "" until the SNI names one)',
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
    upstreamFailures: new Counter({
      name: 'zonemesh_proxy_upstream_failures_total',
      help: 'Connections to an endpoint that failed, by endpoint zone and reason',
      labelNames: ['direction', 'service', 'zone', 'reason'],
      registers,
    }),
    unroutable: new Counter({
      name: 'zonemesh_proxy_unroutable_connections_total',
      help: 'Ingress connections closed without a destination',
      labelNames: ['reason'],
      registers,
    }),
  };
  for (const reason of ['no_sni', 'unknown_service', 'no_endpoint'] satisfies UnroutableReason[])
    metrics.unroutable.inc({ reason }, 0);
  return metrics;
}

/** Classifies a failed connect for the `reason` label. */
export function failureReason(err: unknown): 'connect' | 'timeout' | 'reset' {
  const text = `${(err as NodeJS.ErrnoException | undefined)?.code ?? ''} ${err instanceof Error ? err.message : String(err)}`;
  if (/ETIMEDOUT|timeout|timed out|aborted/i.test(text)) return 'timeout';
  if (/ECONNRESET|EPIPE|closed/i.test(text)) return 'reset';
  return 'connect';
}
