/**
 * The `ResourceStore` contract every backend (memory, Redis, Kubernetes) implements and the one
 * conformance suite checks. Writes are linearizable per store; every write gets a store-wide
 * revision, and `watch` delivers writes in revision order.
 *
 * Resources a store returns (and those in events) are deep-frozen and may be shared between
 * callers: treat them as values, copy before changing. Inputs are never kept by reference.
 */
import type { NewResource, Resource, ResourceKey, ResourceType } from '@zonemesh/api';

export interface ListOptions {
  /** Only this mesh; omitted lists every mesh (and global-scoped kinds ignore it). */
  readonly mesh?: string;
  /** Page size, default 100. */
  readonly size?: number;
  /** Items to skip, default 0. Items are ordered by mesh, then name. */
  readonly offset?: number;
}

export interface ListResult {
  readonly items: readonly Resource[];
  /** Items matching, across all pages. */
  readonly total: number;
  /** Offset of the next page, absent on the last page. */
  readonly next?: number;
}

/**
 * A named value written atomically with a resource write: the sync layer keeps its last applied
 * revision here so that data and checkpoint can never disagree after a crash.
 */
export interface Checkpoint {
  readonly name: string;
  readonly value: string;
}

export interface WriteOptions {
  readonly checkpoint?: Checkpoint;
}

export interface UpdateOptions extends WriteOptions {
  /**
   * Expected current version. When given and different, the update fails with `Conflict` and
   * changes nothing. When omitted the update is unconditional (last writer wins).
   */
  readonly version?: string;
}

export type DeleteOptions = UpdateOptions;

export type StoreEventType = 'create' | 'update' | 'delete';

export interface StoreEvent {
  readonly type: StoreEventType;
  /** Store-wide, strictly increasing. */
  readonly revision: number;
  /** The resource after the write; for deletes, the last state before it. */
  readonly resource: Resource;
}

export interface WatchOptions {
  /**
   * Deliver the events after this revision (exclusive), then live ones. Omitted: live events only.
   * If the store no longer keeps history that far back, the watch fails with `HistoryGone`.
   */
  readonly fromRevision?: number;
  /** Ends the watch; the iterator then returns. */
  readonly signal?: AbortSignal;
}

export interface ResourceStore {
  /** The resource, or undefined when it does not exist. */
  get(key: ResourceKey): Promise<Resource | undefined>;
  list(type: ResourceType, options?: ListOptions): Promise<ListResult>;
  /** Fails with `AlreadyExists` when the key is taken. */
  create(resource: NewResource, options?: WriteOptions): Promise<Resource>;
  /** Fails with `NotFound`, or `Conflict` when `options.version` is stale. */
  update(resource: NewResource, options?: UpdateOptions): Promise<Resource>;
  /** Fails with `NotFound`, or `Conflict` when `options.version` is stale. */
  delete(key: ResourceKey, options?: DeleteOptions): Promise<void>;
  /** The revision of the latest write (0 for an empty store). */
  revision(): Promise<number>;
  /**
   * Ordered create/update/delete events. Fails (throws from the iterator) with `HistoryGone`
   * when `fromRevision` is older than the kept history, or `Unavailable` when the backend is lost.
   */
  watch(options?: WatchOptions): AsyncIterable<StoreEvent>;
  /** Reads a checkpoint written with a resource write (or {@link setCheckpoint}). */
  getCheckpoint(name: string): Promise<string | undefined>;
  setCheckpoint(checkpoint: Checkpoint): Promise<void>;
  /** Releases connections and timers. Idempotent. */
  close(): Promise<void>;
}
