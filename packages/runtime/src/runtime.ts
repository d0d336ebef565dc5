/**
 * What a deployable's `setupX(runtime)` functions receive: the parsed config, the root logger,
 * the metrics registry and the lifecycle components are added to. Made once, in `main.ts`.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createLifecycle, type Lifecycle } from './lifecycle.js';
import { createLogger, type LoggerOptions } from './logger.js';
import { createMetricsRegistry } from './metrics.js';

export interface Runtime<C> {
  readonly config: C;
  /** The root logger; components log through `log.child({ component })`. */
  readonly log: Logger;
  readonly metrics: Registry;
  readonly lifecycle: Lifecycle;
}

/**
 * Makes a process's runtime from its checked config: the one root logger (stdout, with `log`'s
 * level and base fields), a fresh metrics registry and a lifecycle not started yet.
 */
export function createRuntime<C>(config: C, log: LoggerOptions): Runtime<C> {
  const root = createLogger(log);
  return { config, log: root, metrics: createMetricsRegistry(), lifecycle: createLifecycle({ log: root }) };
}
