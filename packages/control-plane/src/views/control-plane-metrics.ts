/**
 * The control plane's own gauges, computed when `/metrics` is scraped (nothing polls):
 * `zonemesh_cp_info{mode,zone,version}` (always 1) and `zonemesh_cp_resources{type,mesh}`, the
 * stored resources per kind and mesh (`mesh=""` for kinds outside meshes). Names are catalogued
 * in docs/metrics.md.
 */
import { isMeshScoped, kindDescriptors } from '@zonemesh/api';
import { Gauge, type Registry } from 'prom-client';
import type { ApiDependencies } from '../rest/api-dependencies.js';
import { countOf, readAll } from './store-scan.js';

/** Registers the gauges on `registry` (once: a second call on the same registry does nothing). */
export function registerControlPlaneMetrics(registry: Registry, deps: ApiDependencies): void {
  if (registry.getSingleMetric('zonemesh_cp_info') !== undefined) return;
  const info = new Gauge({
    name: 'zonemesh_cp_info',
    help: 'Always 1; labels say which control plane this is (mode, zone, version).',
    labelNames: ['mode', 'zone', 'version'],
    registers: [registry],
  });
  info.set({ mode: deps.config.mode, zone: deps.config.zone ?? '', version: deps.version }, 1);
  new Gauge({
    name: 'zonemesh_cp_resources',
    help: 'Resources in this control plane\'s store, by kind and mesh (mesh="" for kinds outside meshes).',
    labelNames: ['type', 'mesh'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const meshes = (await readAll(deps.store, 'Mesh')).map((mesh) => mesh.meta.name);
        for (const { type } of kindDescriptors) {
          if (!isMeshScoped(type)) {
            this.set({ type, mesh: '' }, await countOf(deps.store, type));
            continue;
          }
          for (const mesh of meshes) this.set({ type, mesh }, await countOf(deps.store, type, mesh));
        }
      } catch {
        // The store is unreachable (Redis down): no series this scrape; every other metric still answers.
        this.reset();
      }
    },
  });
}
