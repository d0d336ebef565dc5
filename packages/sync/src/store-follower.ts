/**
 * Follows a store for the publishing half of sync: a full listing of the kinds asked for, then
 * every change after it. When the store's history is gone (or the watch fails) it lists again, and
 * the listing replaces everything the consumer derived before.
 */
import { isMeshError, type Resource, type ResourceType } from '@zonemesh/api';
import type { ResourceStore, StoreEvent } from '@zonemesh/store';
import type { Logger } from 'pino';
import { abortableSleep, Backoff } from './backoff.js';
import type { SyncMetrics } from './sync-metrics.js';

/** What a store follower tells its consumer. */
export interface StoreFollowerHandlers {
  /** Every resource of the kinds followed, as of a revision; replaces all earlier state. */
  reset(resources: readonly Resource[]): void;
  /** A change after the last reset, in revision order. */
  change(event: StoreEvent): void;
}

/** Every resource of `types` in the store (all pages). */
export async function listAll(store: ResourceStore, types: readonly ResourceType[]): Promise<Resource[]> {
  const all: Resource[] = [];
  for (const type of types) {
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const page = await store.list(type, { offset, size: 500 });
      all.push(...page.items);
      offset = page.next;
    }
  }
  return all;
}

/** Follows `store` until `signal` aborts; never rejects. */
export async function followStore(options: {
  readonly store: ResourceStore;
  readonly types: readonly ResourceType[];
  readonly handlers: StoreFollowerHandlers;
  readonly log: Logger;
  readonly metrics: SyncMetrics;
  readonly signal: AbortSignal;
}): Promise<void> {
  const { store, types, handlers, log, metrics, signal } = options;
  const wanted = new Set<ResourceType>(types);
  const backoff = new Backoff(250, 5_000);
  while (!signal.aborted) {
    try {
      const revision = await store.revision();
      handlers.reset(await listAll(store, types));
      backoff.reset();
      for await (const event of store.watch({ fromRevision: revision, signal })) {
        if (wanted.has(event.resource.type)) handlers.change(event);
      }
      if (!signal.aborted) throw new Error('the store watch ended');
    } catch (err) {
      if (signal.aborted) break;
      if (isMeshError(err, 'HistoryGone')) {
        log.info('store history gone, listing again');
        continue;
      }
      metrics.error('store');
      log.warn({ err: (err as Error).message }, 'watching the store failed, listing again');
      await abortableSleep(backoff.next(), signal);
    }
  }
}
