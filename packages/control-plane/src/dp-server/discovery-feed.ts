/**
 * Feeds the zone's store into discovery: a full list, then the store's watch from that revision;
 * after a failed watch (history gone, backend lost) it lists again and removes what vanished.
 * Writes are coalesced: discovery is flushed once per burst (on the next turn of the event
 * loop), and every listener gets the update. Also asks the CA for each mTLS mesh's roots.
 */
import { formatKey, keyOf, type Resource, type ResourceType } from '@zonemesh/api';
import type { Discovery, DiscoveryUpdate } from '@zonemesh/discovery';
import type { Logger } from '@zonemesh/runtime';
import type { ResourceStore } from '@zonemesh/store';
import type { MeshCa } from '../mesh-ca/mesh-ca.js';

/** Kinds discovery reads (Zone is left out: sync already withholds disabled zones' resources). */
const fedTypes: readonly ResourceType[] = [
  'Mesh',
  'TrafficPermission',
  'MeshTrafficPermission',
  'HealthCheck',
  'MeshHealthCheck',
  'TrafficRoute',
  'ZoneIngress',
  'Dataplane',
];

/** Told about every Dataplane or ZoneIngress that appears, changes or goes. */
export interface ProxyResourceListener {
  upserted(resource: Resource): void;
  deleted(resource: Resource): void;
}

/** See the module comment. */
export interface DiscoveryFeed {
  /** Resolves once every store write up to `revision` reached discovery, or after `timeoutMs`. */
  caughtUp(revision: number, timeoutMs?: number): Promise<void>;
  /** Flushes discovery on the next turn of the event loop (coalesced). */
  scheduleFlush(): void;
  /** Adds a listener of flush results. */
  onUpdate(listener: (update: DiscoveryUpdate) => void): void;
  /** Runs until `signal` aborts; never rejects. */
  run(signal: AbortSignal): Promise<void>;
}

/** Options of {@link createDiscoveryFeed}. */
export interface DiscoveryFeedOptions {
  readonly store: ResourceStore;
  readonly discovery: Discovery;
  readonly meshCa: MeshCa;
  readonly proxies: ProxyResourceListener;
  readonly log: Logger;
  /** Called after each flush with how many configs were built. */
  readonly onBuilds?: (proxies: number, ingresses: number) => void;
}

/** Makes the feed; nothing happens until {@link DiscoveryFeed.run}. */
export function createDiscoveryFeed(options: DiscoveryFeedOptions): DiscoveryFeed {
  const { store, discovery, meshCa, proxies, log } = options;
  const listeners: ((update: DiscoveryUpdate) => void)[] = [];
  const known = new Map<string, Resource>();
  let applied = 0;
  let waiters: { revision: number; resolve: () => void }[] = [];
  let flushQueued = false;
  let signal: AbortSignal | undefined;
  let lastBuilds = discovery.stats();

  const flush = (): void => {
    flushQueued = false;
    const update = discovery.flush();
    const builds = discovery.stats();
    options.onBuilds?.(
      builds.proxyBuilds - lastBuilds.proxyBuilds,
      builds.ingressBuilds - lastBuilds.ingressBuilds,
    );
    lastBuilds = builds;
    for (const listener of listeners) {
      try {
        listener(update);
      } catch (err) {
        log.error({ err }, 'discovery update listener failed');
      }
    }
  };

  const scheduleFlush = (): void => {
    if (flushQueued) return;
    flushQueued = true;
    setImmediate(flush);
  };

  const advance = (revision: number): void => {
    applied = Math.max(applied, revision);
    const ready = waiters.filter((waiter) => waiter.revision <= applied);
    waiters = waiters.filter((waiter) => waiter.revision > applied);
    for (const waiter of ready) waiter.resolve();
  };

  const requestRoots = (mesh: Resource): void => {
    meshCa.roots(mesh, signal).then(
      (roots) => {
        // A newer write of the Mesh may have arrived meanwhile: only the latest one counts.
        if (known.get(formatKey(keyOf(mesh))) !== mesh) return;
        discovery.setMeshRoots(mesh.meta.name, roots);
        scheduleFlush();
      },
      (err: unknown) => {
        if (signal?.aborted !== true)
          log.warn({ mesh: mesh.meta.name, err: (err as Error).message }, 'mesh ca unavailable');
      },
    );
  };

  const upsert = (resource: Resource): void => {
    known.set(formatKey(keyOf(resource)), resource);
    try {
      discovery.apply(resource);
    } catch (err) {
      log.warn(
        {
          type: resource.type,
          name: resource.meta.name,
          mesh: resource.meta.mesh,
          err: (err as Error).message,
        },
        'resource skipped by discovery',
      );
      return;
    }
    if (resource.type === 'Mesh') requestRoots(resource);
    if (resource.type === 'Dataplane' || resource.type === 'ZoneIngress') proxies.upserted(resource);
  };

  const remove = (resource: Resource): void => {
    known.delete(formatKey(keyOf(resource)));
    discovery.delete(keyOf(resource));
    if (resource.type === 'Mesh') discovery.setMeshRoots(resource.meta.name, undefined);
    if (resource.type === 'Dataplane' || resource.type === 'ZoneIngress') proxies.deleted(resource);
  };

  const relist = async (): Promise<number> => {
    const revision = await store.revision();
    const present = new Set<string>();
    for (const type of fedTypes) {
      for (let offset: number | undefined = 0; offset !== undefined; ) {
        const page = await store.list(type, { offset, size: 500 });
        for (const resource of page.items) {
          present.add(formatKey(keyOf(resource)));
          upsert(resource);
        }
        offset = page.next;
      }
    }
    // Deleting the current entry while iterating a Map is safe.
    for (const [key, resource] of known) if (!present.has(key)) remove(resource);
    advance(revision);
    scheduleFlush();
    return revision;
  };

  return {
    scheduleFlush,
    onUpdate(listener) {
      listeners.push(listener);
    },
    caughtUp(revision, timeoutMs = 2_000) {
      if (revision <= applied) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        waiters.push({
          revision,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    async run(runSignal) {
      signal = runSignal;
      while (!runSignal.aborted) {
        try {
          const from = await relist();
          for await (const event of store.watch({ fromRevision: from, signal: runSignal })) {
            if (fedTypes.includes(event.resource.type)) {
              if (event.type === 'delete') remove(event.resource);
              else upsert(event.resource);
              scheduleFlush();
            }
            advance(event.revision);
          }
        } catch (err) {
          if (runSignal.aborted) break;
          log.warn({ err: (err as Error).message }, 'store watch for discovery failed, listing again');
          await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
        }
      }
      for (const waiter of waiters.splice(0)) waiter.resolve();
    },
  };
}
