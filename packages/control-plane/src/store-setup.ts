/**
 * The resource store of this control plane: memory (the default; gone on restart), Redis
 * (survives restarts) or Kubernetes (kuma.io objects of the API server; `kube` is its client).
 * Creating it never waits for Redis or the API server: the API serves as soon as it listens, and
 * store calls fail with `Unavailable` (503) while the backend is away. Closed last on shutdown.
 */
import { createMemoryStore, createRedisStore, type ResourceStore } from '@zonemesh/store';
import { createKubernetesStore, type KubeClient } from '@zonemesh/kubernetes';
import type { ControlPlaneRuntime } from './control-plane-runtime.js';

/** Makes the store the config asks for and closes it when the process stops. */
export function setupStore(runtime: ControlPlaneRuntime, kube?: KubeClient): ResourceStore {
  const { config } = runtime;
  const log = runtime.log.child({ component: 'store' });
  const store =
    config.store === 'redis' && config.redisUrl !== undefined
      ? createRedisStore({ url: config.redisUrl })
      : config.store === 'kubernetes' && kube !== undefined
        ? createKubernetesStore({ client: kube, namespace: config.kubernetesNamespace, log: runtime.log })
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
