/**
 * Kuma's default mesh: global and a standalone zone create Mesh `default` at start when it does
 * not exist (a federated zone receives it from global), so a first policy can be applied right
 * away. Turned off with `--skip-default-mesh`. Never delays readiness: if the store is unreachable
 * the attempt is retried in the background until it succeeds or the process stops.
 */
import { isMeshError } from '@zonemesh/api';
import type { ResourceStore } from '@zonemesh/store';
import { isFederatedZone } from './config.js';
import type { ControlPlaneRuntime } from './control-plane-runtime.js';

/** The name of the mesh created at start. */
export const defaultMeshName = 'default';

const retryMs = 2_000;
const firstAttemptBudgetMs = 500;

/** Adds the default-mesh component when this control plane creates one. */
export function setupDefaultMesh(runtime: ControlPlaneRuntime, store: ResourceStore): void {
  if (runtime.config.skipDefaultMesh || isFederatedZone(runtime.config)) return;
  const log = runtime.log.child({ component: 'default-mesh' });

  /** True once the mesh exists (created now or before). */
  const attempt = async (): Promise<boolean> => {
    try {
      if ((await store.get({ type: 'Mesh', name: defaultMeshName })) !== undefined) return true;
      await store.create({ type: 'Mesh', meta: { name: defaultMeshName }, spec: {} });
      log.info({ mesh: defaultMeshName }, 'default mesh created');
      return true;
    } catch (err) {
      if (isMeshError(err, 'AlreadyExists')) return true;
      log.warn({ err, retryMs }, 'cannot create the default mesh yet');
      return false;
    }
  };

  runtime.lifecycle.add({
    name: 'default-mesh',
    async start(signal) {
      const loop = (async () => {
        while (!signal.aborted && !(await attempt())) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, retryMs);
            signal.addEventListener(
              'abort',
              () => {
                clearTimeout(timer);
                resolve();
              },
              { once: true },
            );
          });
        }
      })();
      // A reachable store answers at once: wait briefly so the mesh exists when "ready" is logged.
      await Promise.race([loop, new Promise((resolve) => setTimeout(resolve, firstAttemptBudgetMs).unref())]);
      return { done: loop };
    },
  });
}
