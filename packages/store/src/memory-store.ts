/**
 * The in-memory backend: a zone or global control plane without persistence, and the reference
 * the Redis backend is checked against. Everything is lost with the process.
 */
import {
  formatKey,
  MeshError,
  type NewResource,
  type Resource,
  type ResourceKey,
  type ResourceType,
} from '@zonemesh/api';
import { deepFreeze } from './deep-freeze.js';
import { compareFields, defaultPageSize, describeKey, listMesh, sortField } from './resource-key.js';
import type {
  Checkpoint,
  DeleteOptions,
  ListOptions,
  ListResult,
  ResourceStore,
  StoreEvent,
  UpdateOptions,
  WatchOptions,
  WriteOptions,
} from './store.js';

export interface MemoryStoreOptions {
  /** Events kept for `watch({fromRevision})`; older ones are dropped. Default 10 000. */
  readonly historyLimit?: number;
  /** Clock for timestamps (tests). Default `Date.now`. */
  readonly now?: () => number;
}

interface Entry {
  readonly field: string;
  readonly resource: Resource;
}

/**
 * A linearizable in-memory `ResourceStore`. Returned resources and events are deep-frozen and
 * shared, never copied: callers must not (and cannot) mutate them. Inputs are copied on write.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): ResourceStore {
  return new MemoryStore(options.historyLimit ?? 10_000, options.now ?? Date.now);
}

class MemoryStore implements ResourceStore {
  readonly #historyLimit: number;
  readonly #now: () => number;
  /** Per kind, by `formatKey`. */
  readonly #kinds = new Map<ResourceType, Map<string, Entry>>();
  /**
   * Per kind, entries in list order: built on the first list. Writes keep it in step without
   * shifting it (a splice per create costs O(n): 100,000 zone dataplanes arriving at global took
   * seconds): an update replaces its slot, creates wait in {@link #added} and deletes in
   * {@link #removed} until the next list merges them in one pass.
   */
  readonly #sorted = new Map<ResourceType, Entry[]>();
  /** Per kind, entries created since the last merge, by sort field (not in `#sorted` yet). */
  readonly #added = new Map<ResourceType, Map<string, Entry>>();
  /** Per kind, sort fields of entries deleted since the last merge (still in `#sorted`). */
  readonly #removed = new Map<ResourceType, Set<string>>();
  readonly #checkpoints = new Map<string, string>();
  /** Contiguous revisions: `#events[i].revision === #events[0].revision + i`. */
  #events: StoreEvent[] = [];
  #revision = 0;
  /** Woken on every write and on close. */
  #waiters = new Set<() => void>();
  #closed = false;

  constructor(historyLimit: number, now: () => number) {
    if (!Number.isInteger(historyLimit) || historyLimit < 1) {
      throw new MeshError('InvalidInput', 'historyLimit must be a positive integer', {
        causes: [{ field: 'historyLimit', message: 'must be a positive integer' }],
      });
    }
    this.#historyLimit = historyLimit;
    this.#now = now;
  }

  async get(key: ResourceKey): Promise<Resource | undefined> {
    this.#assertOpen();
    return this.#kinds.get(key.type)?.get(formatKey(key))?.resource;
  }

  async list(type: ResourceType, options: ListOptions = {}): Promise<ListResult> {
    this.#assertOpen();
    const mesh = listMesh(type, options.mesh);
    const size = options.size ?? defaultPageSize;
    const offset = options.offset ?? 0;
    const sorted = this.#sortedEntries(type);
    let matching: readonly Entry[] = sorted;
    if (mesh !== undefined) {
      const start = lowerBound(sorted, `${mesh}\0`);
      const end = lowerBound(sorted, `${mesh}\u0001`);
      matching = sorted.slice(start, end);
    }
    const items = matching.slice(offset, offset + size).map((entry) => entry.resource);
    const next = offset + items.length;
    return next < matching.length
      ? { items, total: matching.length, next }
      : { items, total: matching.length };
  }

  async create(resource: NewResource, options: WriteOptions = {}): Promise<Resource> {
    this.#assertOpen();
    if (this.#kind(resource.type).has(typedKey(resource))) {
      throw new MeshError('AlreadyExists', `${describeKey(keyOfNew(resource))} already exists`);
    }
    return this.#write('create', resource, undefined, options);
  }

  async update(resource: NewResource, options: UpdateOptions = {}): Promise<Resource> {
    this.#assertOpen();
    const current = this.#kind(resource.type).get(typedKey(resource));
    if (current === undefined)
      throw new MeshError('NotFound', `${describeKey(keyOfNew(resource))} does not exist`);
    checkVersion(current.resource, options.version);
    return this.#write('update', resource, current.resource, options);
  }

  async delete(key: ResourceKey, options: DeleteOptions = {}): Promise<void> {
    this.#assertOpen();
    const kind = this.#kind(key.type);
    const current = kind.get(formatKey(key));
    if (current === undefined) throw new MeshError('NotFound', `${describeKey(key)} does not exist`);
    checkVersion(current.resource, options.version);
    kind.delete(formatKey(key));
    if (this.#sorted.has(key.type)) {
      const added = this.#added.get(key.type);
      if (added?.delete(current.field) !== true) setOf(this.#removed, key.type).add(current.field);
    }
    this.#append('delete', current.resource, options.checkpoint);
  }

  async revision(): Promise<number> {
    this.#assertOpen();
    return this.#revision;
  }

  async *watch(options: WatchOptions = {}): AsyncGenerator<StoreEvent> {
    this.#assertOpen();
    const { signal } = options;
    let last = options.fromRevision ?? this.#revision;
    if (last > this.#revision) {
      throw new MeshError(
        'HistoryGone',
        `revision ${last} is ahead of the store (at ${this.#revision}): the store was reset; relist`,
      );
    }
    const ended = (): boolean => signal?.aborted === true || this.#closed;
    for (;;) {
      if (ended()) return;
      if (last < this.#revision) {
        const oldest = this.#events[0]?.revision ?? this.#revision + 1;
        if (last + 1 < oldest) {
          throw new MeshError(
            'HistoryGone',
            `events after revision ${last} are no longer kept (oldest kept: ${oldest}); relist`,
          );
        }
        // A copy: a slow consumer must not see the log shift under it while it holds the batch.
        for (const event of this.#events.slice(last + 1 - oldest)) {
          yield event;
          last = event.revision;
          if (ended()) return;
        }
        continue;
      }
      await this.#nextWrite(signal);
    }
  }

  async getCheckpoint(name: string): Promise<string | undefined> {
    this.#assertOpen();
    return this.#checkpoints.get(name);
  }

  async setCheckpoint(checkpoint: Checkpoint): Promise<void> {
    this.#assertOpen();
    this.#checkpoints.set(checkpoint.name, checkpoint.value);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake();
  }

  #write(
    type: 'create' | 'update',
    input: NewResource,
    current: Resource | undefined,
    options: WriteOptions,
  ): Resource {
    const revision = this.#revision + 1;
    const now = new Date(this.#now()).toISOString();
    const meta = input.meta;
    const resource = deepFreeze<Resource>({
      type: input.type,
      meta: {
        name: meta.name,
        ...(meta.mesh === undefined ? {} : { mesh: meta.mesh }),
        labels: { ...meta.labels },
        creationTime: meta.creationTime ?? current?.meta.creationTime ?? now,
        modificationTime: now,
        version: String(revision),
      },
      // A JSON copy: the same value a persistent backend would give back (no undefined, no Date).
      spec: JSON.parse(JSON.stringify(input.spec)) as unknown,
    });
    const entry: Entry = { field: sortField(meta), resource };
    this.#kind(input.type).set(typedKey(input), entry);
    const sorted = this.#sorted.get(input.type);
    if (sorted !== undefined) {
      const added = mapOf(this.#added, input.type);
      if (type === 'create' || added.has(entry.field)) added.set(entry.field, entry);
      else sorted[lowerBound(sorted, entry.field)] = entry;
    }
    this.#append(type, resource, options.checkpoint);
    return resource;
  }

  /** Records a write: next revision, event, optional checkpoint, all before anyone can observe. */
  #append(type: StoreEvent['type'], resource: Resource, checkpoint: Checkpoint | undefined): void {
    this.#revision += 1;
    this.#events.push(Object.freeze({ type, revision: this.#revision, resource }));
    // Trim in batches so a write costs O(1) amortized, keeping at least `historyLimit` events.
    if (this.#events.length >= this.#historyLimit * 2) this.#events = this.#events.slice(-this.#historyLimit);
    if (checkpoint !== undefined) this.#checkpoints.set(checkpoint.name, checkpoint.value);
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const wake of waiters) wake();
  }

  #nextWrite(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        this.#waiters.delete(done);
        resolve();
      };
      this.#waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  #kind(type: ResourceType): Map<string, Entry> {
    let kind = this.#kinds.get(type);
    if (kind === undefined) {
      kind = new Map();
      this.#kinds.set(type, kind);
    }
    return kind;
  }

  #sortedEntries(type: ResourceType): Entry[] {
    let sorted = this.#sorted.get(type);
    const added = this.#added.get(type);
    const removed = this.#removed.get(type);
    if (sorted === undefined) {
      sorted = [...(this.#kinds.get(type)?.values() ?? [])].sort(byField);
    } else if ((added?.size ?? 0) > 0 || (removed?.size ?? 0) > 0) {
      const kept =
        removed === undefined || removed.size === 0 ? sorted : sorted.filter((e) => !removed.has(e.field));
      sorted = mergeSorted(kept, [...(added?.values() ?? [])].sort(byField));
    } else {
      return sorted;
    }
    this.#sorted.set(type, sorted);
    added?.clear();
    removed?.clear();
    return sorted;
  }

  #assertOpen(): void {
    if (this.#closed) throw new MeshError('Unavailable', 'the memory store is closed');
  }
}

function keyOfNew(resource: NewResource): ResourceKey {
  return resource.meta.mesh === undefined
    ? { type: resource.type, name: resource.meta.name }
    : { type: resource.type, name: resource.meta.name, mesh: resource.meta.mesh };
}

function typedKey(resource: NewResource): string {
  return formatKey(keyOfNew(resource));
}

function checkVersion(current: Resource, expected: string | undefined): void {
  if (expected !== undefined && expected !== current.meta.version) {
    throw new MeshError(
      'Conflict',
      `${describeKey(keyOfNew(current))} is at version ${current.meta.version}, not ${expected}: re-read and retry`,
    );
  }
}

function byField(a: Entry, b: Entry): number {
  return compareFields(a.field, b.field);
}

/** One sorted array from two sorted arrays with distinct fields, in one pass. */
function mergeSorted(left: readonly Entry[], right: readonly Entry[]): Entry[] {
  if (right.length === 0) return left.slice();
  const merged: Entry[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const a = left[i] as Entry;
    const b = right[j] as Entry;
    if (compareFields(a.field, b.field) <= 0) {
      merged.push(a);
      i++;
    } else {
      merged.push(b);
      j++;
    }
  }
  while (i < left.length) merged.push(left[i++] as Entry);
  while (j < right.length) merged.push(right[j++] as Entry);
  return merged;
}

function mapOf<K, V>(maps: Map<ResourceType, Map<K, V>>, type: ResourceType): Map<K, V> {
  let map = maps.get(type);
  if (map === undefined) {
    map = new Map();
    maps.set(type, map);
  }
  return map;
}

function setOf<V>(sets: Map<ResourceType, Set<V>>, type: ResourceType): Set<V> {
  let set = sets.get(type);
  if (set === undefined) {
    set = new Set();
    sets.set(type, set);
  }
  return set;
}

/** Index of the first entry whose field is >= `field`. */
function lowerBound(entries: readonly Entry[], field: string): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareFields((entries[middle] as Entry).field, field) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
