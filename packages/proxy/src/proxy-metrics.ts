/**
 * The metrics every zonemesh proxy (sidecar and zone ingress) exports, named as docs/metrics.md
 * catalogues them (`zonemesh_proxy_*`). Updated per connection (accept, close, refusal), never per
 * chunk: the data path does no bookkeeping while bytes flow; bytes are added when a connection
 * closes. Each proxy registers its own instruments next to these.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** The instruments both proxies share. */
export interface ProxyMetrics {
  readonly info: Gauge<'kind' | 'mesh' | 'name' | 'zone'>;
  readonly controlPlaneConnected: Gauge;
  readonly configUpdates: Counter;
  readonly connections: Counter<'direction' | 'service'>;
  readonly activeConnections: Gauge<'direction' | 'service'>;
  readonly bytes: Counter<'direction' | 'service' | 'flow'>;
  readonly upstreamFailures: Counter<'direction' | 'service' | 'zone' | 'reason'>;
}

/** How one proxy describes the shared instruments. */
export interface ProxyMetricsOptions {
  /** The help of `zonemesh_proxy_connections_total`; default `Connections accepted`. */
  readonly connectionsHelp?: string;
}

/** Registers the shared proxy instruments in `registry` (once per registry: names are unique). */
export function createProxyMetrics(registry: Registry, options: ProxyMetricsOptions = {}): ProxyMetrics {
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
      help: options.connectionsHelp ?? 'Connections accepted',
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
  };
}
