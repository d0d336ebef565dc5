/**
 * The ingress's metrics, named as docs/metrics.md catalogues them (`zonemesh_proxy_*`,
 * `direction="ingress"`): those every proxy exports (`@zonemesh/proxy`) plus connections it could
 * not route. Updated per connection, never per chunk; bytes are added when a connection closes.
 */
import { createProxyMetrics, type ProxyMetrics } from '@zonemesh/proxy';
import { Counter, type Registry } from 'prom-client';
import type { UnroutableReason } from './route-table.js';

/** The ingress's instruments. */
export interface IngressMetrics extends ProxyMetrics {
  readonly unroutable: Counter<'reason'>;
}

/** Registers the ingress's instruments in `registry`. */
export function createIngressMetrics(registry: Registry): IngressMetrics {
  const metrics: IngressMetrics = {
    ...createProxyMetrics(registry, {
      connectionsHelp: 'Connections accepted (service "" until the SNI names one)',
    }),
    unroutable: new Counter({
      name: 'zonemesh_proxy_unroutable_connections_total',
      help: 'Ingress connections closed without a destination',
      labelNames: ['reason'],
      registers: [registry],
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
