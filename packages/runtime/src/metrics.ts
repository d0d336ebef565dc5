/**
 * The process's Prometheus registry. One per process, made in `main.ts` and handed to every
 * component that exports metrics, so tests can make their own and nothing is global.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsOptions {
  /** Labels on every series, e.g. `{ mode: 'zone', zone: 'zone-1' }`. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Collect Node.js process metrics (CPU, memory, event loop lag); default true. */
  readonly defaultMetrics?: boolean;
}

/** Makes a registry, with Node.js process metrics unless turned off. */
export function createMetricsRegistry(options: MetricsOptions = {}): Registry {
  const registry = new Registry();
  if (options.labels !== undefined) registry.setDefaultLabels({ ...options.labels });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

export type { Registry };
