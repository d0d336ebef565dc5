/**
 * The resource store of this control plane: memory (the default; gone on restart) or Redis
 * (survives restarts). Creating it never waits for Redis: the API serves as soon as it listens,
 * and store calls fail with `Unavailable` (503) while Redis is away. Closed last on shutdown.
 */
import { createMemoryStore, createRedisStore, type ResourceStore } from '@zonemesh/store';
import type { KubeClient } from '@zonemesh/kubernetes';
import type { ControlPlaneRuntime } from './control-plane-runtime.js';

/** Makes the store the config asks for and closes it when the process stops. */
export function setupStore(runtime: ControlPlaneRuntime, kube?: KubeClient): ResourceStore {
  const { config } = runtime;
  const log = runtime.log.child({ component: 'store' });
  const store =
    config.store === 'redis' && config.redisUrl !== undefined
      ? createRedisStore({ url: config.redisUrl })
      : createMemoryStore();
  runtime.lifecycle.add({
    name: 'store',
    start: async (signal) => {
      log.info({ backend: config.store }, 'store opened');
      const done = new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => resolve(), { once: true }),
      ).then(() => store.close());
      return { done };
    },
  });
  return store;
}
