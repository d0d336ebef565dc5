/**
 * An informer: a local cache of one resource kept current by list-then-watch. A watch that ends
 * is resumed from the last resourceVersion seen (bookmarks included); a 410 Gone (history
 * compacted) relists, and the relist is diffed against the cache, so handlers see exactly the
 * changes they missed — deletes for what vanished, adds and updates by resourceVersion — and
 * nothing twice. Other failures retry with backoff (250 ms doubling to 5 s) until aborted.
 */
import { isMeshError } from '@zonemesh/api';
import type { Logger } from 'pino';
import type { KubeClient, KubeObject } from './kube-client.js';

/** What changed in the cache. `previous` is the cached object an update or delete replaced. */
export interface InformerEvent {
  readonly type: 'added' | 'updated' | 'deleted';
  readonly object: KubeObject;
  readonly previous?: KubeObject;
}

/** A running informer over one resource path. */
export interface Informer {
  readonly path: string;
  /** Resolves after the first complete list (or never, if the API never answers). */
  readonly synced: Promise<void>;
  /** Whether the first list has completed. */
  hasSynced(): boolean;
  get(namespace: string | undefined, name: string): KubeObject | undefined;
  /** Cached objects, optionally of one namespace. */
  list(namespace?: string): KubeObject[];
  /** The resourceVersion the next watch continues from. */
  resourceVersion(): string;
  /** How many full lists it made (1 + one per 410 Gone or lost position). */
  lists(): number;
  /** Settles once the informer stopped (after the signal aborted). */
  readonly done: Promise<void>;
}

export interface InformerOptions {
  readonly client: KubeClient;
  /** Collection path, e.g. `/api/v1/pods` (all namespaces). */
  readonly path: string;
  readonly labelSelector?: string;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Called synchronously for every cache change, in order. Must not throw. */
  readonly onEvent: (event: InformerEvent) => void;
  /** Server-side watch timeout, default 300 s (the watch then resumes). */
  readonly watchTimeoutSeconds?: number;
}

/** Starts the informer; it runs until `signal` aborts. */
export function startInformer(options: InformerOptions): Informer {
  const { client, path, log, signal, onEvent } = options;
  const cache = new Map<string, KubeObject>();
  let resourceVersion = '';
  let listCount = 0;
  let synced = false;
  let markSynced: () => void = () => undefined;
  const syncedPromise = new Promise<void>((resolve) => {
    markSynced = resolve;
  });

  const keyOf = (object: KubeObject): string =>
    `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;

  function upsert(object: KubeObject): void {
    const key = keyOf(object);
    const previous = cache.get(key);
    if (previous !== undefined && previous.metadata?.resourceVersion === object.metadata?.resourceVersion)
      return;
    cache.set(key, object);
    onEvent(previous === undefined ? { type: 'added', object } : { type: 'updated', object, previous });
  }

  function remove(object: KubeObject): void {
    const key = keyOf(object);
    const previous = cache.get(key);
    if (previous === undefined) return;
    cache.delete(key);
    onEvent({ type: 'deleted', object, previous });
  }

  async function relist(): Promise<void> {
    const answer = await client.list(
      path,
      options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector },
    );
    listCount++;
    const seen = new Set(answer.items.map(keyOf));
    for (const [key, object] of cache) {
      if (!seen.has(key)) remove(object);
    }
    for (const object of answer.items) upsert(object);
    resourceVersion = answer.resourceVersion;
    if (!synced) {
      synced = true;
      markSynced();
    }
  }

  async function run(): Promise<void> {
    let delay = 250;
    while (!signal.aborted) {
      try {
        if (resourceVersion === '') await relist();
        for await (const event of client.watch(path, {
          resourceVersion,
          signal,
          timeoutSeconds: options.watchTimeoutSeconds ?? 300,
          ...(options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector }),
        })) {
          if (event.type === 'DELETED') remove(event.object);
          else if (event.type !== 'BOOKMARK') upsert(event.object);
          resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
          delay = 250;
        }
      } catch (err) {
        if (signal.aborted) break;
        if (isMeshError(err, 'HistoryGone')) {
          log.info({ path, resourceVersion }, 'watch history gone, listing again');
          resourceVersion = '';
          continue;
        }
        log.warn({ path, err: (err as Error).message }, 'watch failed, retrying');
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  const done = run().catch((err: unknown) => {
    log.error({ path, err: (err as Error).message }, 'informer stopped');
  });

  return {
    path,
    synced: syncedPromise,
    hasSynced: () => synced,
    get: (namespace, name) => cache.get(`${namespace ?? ''}/${name}`),
    list: (namespace) =>
      [...cache.values()].filter(
        (object) => namespace === undefined || object.metadata?.namespace === namespace,
      ),
    resourceVersion: () => resourceVersion,
    lists: () => listCount,
    done,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
