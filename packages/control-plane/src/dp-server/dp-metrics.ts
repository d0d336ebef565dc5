/**
 * The dataplane server's Prometheus metrics, registered on the process registry (names and labels
 * as catalogued in docs/metrics.md).
 */
import type { Registry } from '@zonemesh/runtime';
import { Counter, Gauge } from 'prom-client';

/** The instruments of one dataplane server. */
export interface DpMetrics {
  /** Proxies with an open config stream, by kind (`Dataplane`, `ZoneIngress`) and mesh (`""` for ingresses). */
  readonly proxies: Gauge<'kind' | 'mesh'>;
  /** Config lines written to streams (the first one of each stream included), by kind and mesh. */
  readonly pushes: Counter<'kind' | 'mesh'>;
  /** Registrations by kind and result (`ok`, `refused`). */
  readonly registrations: Counter<'kind' | 'result'>;
  /** Workload certificates issued (registration and rotation), by mesh. */
  readonly certificates: Counter<'mesh'>;
  /** Health reports received, by result (`changed`, `unchanged`, `refused`). */
  readonly healthReports: Counter<'result'>;
  /** Configs built by discovery, by kind: what incremental recomputation saves shows here. */
  readonly builds: Counter<'kind'>;
  /** Requests refused for their credential, by endpoint and reason (`unauthenticated`, `forbidden`). */
  readonly authRefusals: Counter<'endpoint' | 'reason'>;
}

/** Makes and registers the instruments. */
export function createDpMetrics(registry: Registry): DpMetrics {
  const registers = [registry];
  return {
    proxies: new Gauge({
      name: 'zonemesh_dp_server_proxies',
      help: 'Proxies with an open config stream now, by kind and mesh',
      labelNames: ['kind', 'mesh'],
      registers,
    }),
    pushes: new Counter({
      name: 'zonemesh_dp_server_config_pushes_total',
      help: 'Config lines pushed to proxies (first line of a stream and every change), by kind and mesh',
      labelNames: ['kind', 'mesh'],
      registers,
    }),
    registrations: new Counter({
      name: 'zonemesh_dp_server_registrations_total',
      help: 'Proxy registrations, by kind and result',
      labelNames: ['kind', 'result'],
      registers,
    }),
    certificates: new Counter({
      name: 'zonemesh_dp_server_certificates_issued_total',
      help: 'Workload certificates issued (registration and rotation), by mesh',
      labelNames: ['mesh'],
      registers,
    }),
    healthReports: new Counter({
      name: 'zonemesh_dp_server_health_reports_total',
      help: 'Inbound health reports, by result',
      labelNames: ['result'],
      registers,
    }),
    authRefusals: new Counter({
      name: 'zonemesh_dp_server_auth_refusals_total',
      help: 'Proxy requests refused for their credential (missing, invalid, or not covering the request), by endpoint and reason',
      labelNames: ['endpoint', 'reason'],
      registers,
    }),
    builds: new Counter({
      name: 'zonemesh_dp_server_config_builds_total',
      help: 'Proxy and ingress configs computed by discovery, by kind',
      labelNames: ['kind'],
      registers,
    }),
  };
}
