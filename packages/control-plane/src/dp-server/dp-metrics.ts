/** The dataplane server's Prometheus metrics, registered on the process registry. */
import type { Registry } from '@zonemesh/runtime';
import { Counter, Gauge } from 'prom-client';

/** The instruments of one dataplane server. */
export interface DpMetrics {
  /** Proxies with an open config stream, by kind (`Dataplane`, `ZoneIngress`). */
  readonly connected: Gauge<'kind'>;
  /** Config lines written to streams (the first one of each stream included), by kind. */
  readonly pushes: Counter<'kind'>;
  /** Registrations by kind and result (`ok`, `refused`). */
  readonly registrations: Counter<'kind' | 'result'>;
  /** Workload certificates issued, by where they were asked for (`register`, `rotation`). */
  readonly certificates: Counter<'via'>;
  /** Health reports received, by result (`changed`, `unchanged`, `refused`). */
  readonly healthReports: Counter<'result'>;
  /** Configs built by discovery, by kind: what incremental recomputation saves shows here. */
  readonly builds: Counter<'kind'>;
}

/** Makes and registers the instruments. */
export function createDpMetrics(registry: Registry): DpMetrics {
  const registers = [registry];
  return {
    connected: new Gauge({
      name: 'zonemesh_dp_server_connected_proxies',
      help: 'Proxies with an open config stream, by kind',
      labelNames: ['kind'],
      registers,
    }),
    pushes: new Counter({
      name: 'zonemesh_dp_server_config_pushes_total',
      help: 'Config lines pushed to proxies, by kind',
      labelNames: ['kind'],
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
      help: 'Workload certificates issued, by request (register or rotation)',
      labelNames: ['via'],
      registers,
    }),
    healthReports: new Counter({
      name: 'zonemesh_dp_server_health_reports_total',
      help: 'Inbound health reports, by result',
      labelNames: ['result'],
      registers,
    }),
    builds: new Counter({
      name: 'zonemesh_discovery_config_builds_total',
      help: 'Proxy and ingress configs computed by discovery, by kind',
      labelNames: ['kind'],
      registers,
    }),
  };
}
