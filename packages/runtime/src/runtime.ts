/**
 * What a deployable's `setupX(runtime)` functions receive: the parsed config, the root logger,
 * the metrics registry and the lifecycle components are added to. Made once, in `main.ts`.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Lifecycle } from './lifecycle.js';

export interface Runtime<C> {
  readonly config: C;
  /** The root logger; components log through `log.child({ component })`. */
  readonly log: Logger;
  readonly metrics: Registry;
  readonly lifecycle: Lifecycle;
}
