/**
 * The Redis backend: a persistent store that several control-plane instances can share. Each
 * write is one Lua script (see redis-scripts.ts); the event log is a Redis stream of bounded
 * length, read by `watch` with blocking XREAD on a connection of its own.
 *
 * Keys, under `keyPrefix`: `revision` (counter), `data:<type>` (hash of stored values by
 * `<mesh>\0<name>`), `index:<type>` (sorted set of the same fields, for ordered paging),
 * `events` (stream, entry id `<revision>-0`), `checkpoints` (hash).
 */
import {
  MeshError,
  type NewResource,
  type Resource,
  type ResourceKey,
  type ResourceType,
} from '@zonemesh/api';
import { Redis, type RedisOptions } from 'ioredis';
import { type LuaScript, listScript, writeScript } from './redis-scripts.js';
import { defaultPageSize, describeKey, listMesh, sortField } from './resource-key.js';
import { corrupt, encodeBody, StoredValueDecoder, storedValue } from './stored-value.js';
import type {
  Checkpoint,
  DeleteOptions,
  ListOptions,
  ListResult,
  ResourceStore,
  StoreEvent,
  StoreEventType,
  UpdateOptions,
  WatchOptions,
  WriteOptions,
} from './store.js';

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]`. The store owns this connection and closes it. */
  readonly url?: string;
  /**
   * A connection the caller owns instead of `url` (not closed by `close()`). It should keep
   * reconnecting (the default `retryStrategy` does) and bound how long commands wait while
   * Redis is down (`maxRetriesPerRequest`), or calls can wait that long before failing.
   */
  readonly client?: Redis;
  /** Prefix of every key, default `zonemesh:`. Stores with different prefixes share a Redis safely. */
  readonly keyPrefix?: string;
  /** Events kept at least for `watch({fromRevision})` (Redis trims in whole stream nodes). Default 10 000. */
  readonly historyLimit?: number;
  /**
   * Decoded resources kept for reuse when Redis returns a value unchanged since it was last
   * decoded (reads then cost no JSON parsing). 0 disables it. Default 10 000.
   */
  readonly decodeCacheSize?: number;
  /** Extra ioredis options for the connection made from `url`. */
  readonly redisOptions?: RedisOptions;
}

/** How long one blocking XREAD waits before asking again (a liveness bound, not a poll interval). */
const watchBlockMs = 5_000;
const watchBatch = 500;

/**
 * Defaults for a connection made from `url`: reconnect forever (a control plane outlives Redis
 * outages, retrying every 0.5 s at most), but fail each call with `Unavailable` after three
 * reconnect attempts (1 to 1.5 s once the outage has lasted a while) instead of queueing it for ever, and never resend a write whose reply was lost (it could
 * apply twice): such a call fails with `Unavailable`, its outcome unknown.
 */
const connectionDefaults: RedisOptions = {
  retryStrategy: (times) => Math.min(times * 50, 500),
  maxRetriesPerRequest: 2,
  autoResendUnfulfilledCommands: false,
  enableAutoPipelining: true,
  commandTimeout: 15_000,
};

/**
 * A `ResourceStore` on Redis (5.0+ for streams; 6.2+ for `ZRANGE BYLEX`). Every call that cannot
 * reach Redis fails with `Unavailable` (retryable); a write that failed that way may or may not
 * have been applied, so retry it with a version check or re-read first.
 */
export function createRedisStore(options: RedisStoreOptions): ResourceStore {
  if ((options.url === undefined) === (options.client === undefined)) {
    throw new MeshError('InvalidInput', 'give exactly one of url or client', {
      causes: [{ field: 'url', message: 'exactly one of url and client is required' }],
    });
  }
  const historyLimit = options.historyLimit ?? 10_000;
  if (!Number.isInteger(historyLimit) || historyLimit < 1) {
    throw new MeshError('InvalidInput', 'historyLimit must be a positive integer', {
      causes: [{ field: 'historyLimit', message: 'must be a positive integer' }],
    });
  }
  let client = options.client;
  const owned = client === undefined;
  if (client === undefined) {
    // 'legacy' reply mapping: RESP2-shaped replies, which the parsing below expects.
    client = new Redis<'legacy'>(options.url as string, {
      ...connectionDefaults,
      ...options.redisOptions,
      replyMapping: 'legacy',
    });
    // Failures reach callers through their commands; without a listener ioredis prints each one.
    client.on('error', () => {});
  }
  return new RedisStore(
    client,
    owned,
    options.keyPrefix ?? 'zonemesh:',
    historyLimit,
    options.decodeCacheSize ?? 10_000,
  );
}

class RedisStore implements ResourceStore {
  readonly #client: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #historyLimit: number;
  readonly #watchConnections = new Set<Redis>();
  readonly #decoder: StoredValueDecoder;
  #closed = false;

  constructor(client: Redis, owned: boolean, prefix: string, historyLimit: number, decodeCacheSize: number) {
    this.#decoder = new StoredValueDecoder(decodeCacheSize);
    this.#client = client;
    this.#owned = owned;
    this.#prefix = prefix;
    this.#historyLimit = historyLimit;
  }

  async get(key: ResourceKey): Promise<Resource | undefined> {
    this.#assertOpen();
    const value = await this.#command('get', () =>
      this.#client.hget(this.#dataKey(key.type), sortField(key)),
    );
    return value === null ? undefined : this.#decoder.decode(value);
  }

  async list(type: ResourceType, options: ListOptions = {}): Promise<ListResult> {
    this.#assertOpen();
    const mesh = listMesh(type, options.mesh);
    const size = options.size ?? defaultPageSize;
    const offset = options.offset ?? 0;
    const reply = await this.#run('list', listScript, [
      this.#indexKey(type),
      this.#dataKey(type),
      mesh === undefined ? '0' : '1',
      mesh ?? '',
      offset,
      size,
    ]);
    if (!Array.isArray(reply) || typeof reply[0] !== 'number') throw corrupt('list reply', reply);
    const total = reply[0];
    const items = reply.slice(1).map((value) => {
      if (typeof value !== 'string') throw corrupt('list item', value);
      return this.#decoder.decode(value);
    });
    const next = offset + items.length;
    return next < total ? { items, total, next } : { items, total };
  }

  create(resource: NewResource, options: WriteOptions = {}): Promise<Resource> {
    return this.#put('create', resource, undefined, options);
  }

  update(resource: NewResource, options: UpdateOptions = {}): Promise<Resource> {
    return this.#put('update', resource, options.version, options);
  }

  async delete(key: ResourceKey, options: DeleteOptions = {}): Promise<void> {
    this.#assertOpen();
    await this.#write('delete', key, options.version, options, '', '', new Date().toISOString());
  }

  async revision(): Promise<number> {
    this.#assertOpen();
    const value = await this.#command('revision', () => this.#client.get(this.#key('revision')));
    return value === null ? 0 : Number(value);
  }

  async *watch(options: WatchOptions = {}): AsyncGenerator<StoreEvent> {
    this.#assertOpen();
    const { signal } = options;
    const current = await this.revision();
    let last = options.fromRevision ?? current;
    if (last > current) {
      throw new MeshError(
        'HistoryGone',
        `revision ${last} is ahead of the store (at ${current}): the store was reset; relist`,
      );
    }
    const streamKey = this.#key('events');
    if (last < current) {
      const oldest = await this.#command('watch', () =>
        this.#client.call('XRANGE', streamKey, '-', '+', 'COUNT', '1'),
      );
      const oldestRevision = parseEntries(oldest)[0]?.revision ?? current + 1;
      if (oldestRevision > last + 1) throw historyGone(last, oldestRevision);
    }

    // Its own connection: XREAD BLOCK holds it. No reconnects: a lost connection ends the watch
    // with Unavailable and the caller resumes from its last revision.
    const connection = this.#client.duplicate({
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      enableAutoPipelining: false,
      enableOfflineQueue: true,
      commandTimeout: undefined,
      blockingTimeout: watchBlockMs,
      blockingTimeoutGrace: 5_000,
    });
    connection.on('error', () => {});
    this.#watchConnections.add(connection);
    const ended = (): boolean => signal?.aborted === true || this.#closed;
    const onAbort = (): void => connection.disconnect();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (ended()) return;
        let reply: unknown;
        try {
          reply = await connection.call(
            'XREAD',
            'COUNT',
            watchBatch,
            'BLOCK',
            watchBlockMs,
            'STREAMS',
            streamKey,
            `${last}-0`,
          );
        } catch (err) {
          if (ended()) return;
          throw unavailable('watch', err);
        }
        for (const entry of parseEntries(streamEntries(reply))) {
          if (entry.revision !== last + 1) throw historyGone(last, entry.revision);
          last = entry.revision;
          yield { type: entry.type, revision: entry.revision, resource: this.#decoder.decode(entry.value) };
          if (ended()) return;
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#watchConnections.delete(connection);
      connection.disconnect();
    }
  }

  async getCheckpoint(name: string): Promise<string | undefined> {
    this.#assertOpen();
    const value = await this.#command('getCheckpoint', () =>
      this.#client.hget(this.#key('checkpoints'), name),
    );
    return value ?? undefined;
  }

  async setCheckpoint(checkpoint: Checkpoint): Promise<void> {
    this.#assertOpen();
    await this.#command('setCheckpoint', () =>
      this.#client.hset(this.#key('checkpoints'), checkpoint.name, checkpoint.value),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const connection of this.#watchConnections) connection.disconnect();
    if (!this.#owned) return;
    if (this.#client.status === 'ready') {
      await this.#client.quit().catch(() => this.#client.disconnect());
    } else {
      this.#client.disconnect();
    }
  }

  /** Create or update; the result is built from the parts the script reports, not read back. */
  async #put(
    op: 'create' | 'update',
    resource: NewResource,
    version: string | undefined,
    options: WriteOptions,
  ): Promise<Resource> {
    this.#assertOpen();
    const body = encodeBody(resource);
    const now = new Date().toISOString();
    const key = keyOfNew(resource);
    const stored = await this.#write(op, key, version, options, body, resource.meta.creationTime ?? '', now);
    return this.#decoder.decode(storedValue(stored.version, stored.creationTime, now, body));
  }

  async #write(
    op: StoreEventType,
    key: ResourceKey,
    version: string | undefined,
    options: WriteOptions,
    body: string,
    creationTime: string,
    now: string,
  ): Promise<{ version: string; creationTime: string }> {
    const reply = await this.#run(op, writeScript, [
      this.#key('revision'),
      this.#dataKey(key.type),
      this.#indexKey(key.type),
      this.#key('events'),
      this.#key('checkpoints'),
      op,
      sortField(key),
      version ?? '',
      creationTime,
      now,
      body,
      this.#historyLimit,
      options.checkpoint?.name ?? '',
      options.checkpoint?.value ?? '',
    ]);
    if (!Array.isArray(reply)) throw corrupt('write reply', reply);
    switch (reply[0]) {
      case 'ok':
        return { version: String(reply[1]), creationTime: String(reply[2]) };
      case 'exists':
        throw new MeshError('AlreadyExists', `${describeKey(key)} already exists`);
      case 'notfound':
        throw new MeshError('NotFound', `${describeKey(key)} does not exist`);
      case 'conflict':
        throw new MeshError(
          'Conflict',
          `${describeKey(key)} is at version ${String(reply[1])}, not ${version}: re-read and retry`,
        );
      default:
        throw corrupt('write reply', reply);
    }
  }

  /** EVALSHA, falling back to EVAL once after a Redis restart emptied its script cache. */
  async #run(what: string, script: LuaScript, args: readonly (string | number)[]): Promise<unknown> {
    return this.#command(what, async () => {
      try {
        return await this.#client.evalsha(script.sha, script.keys, ...args);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
        return this.#client.eval(script.source, script.keys, ...args);
      }
    });
  }

  async #command<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw toStoreError(what, err);
    }
  }

  #key(name: string): string {
    return `${this.#prefix}${name}`;
  }

  #dataKey(type: ResourceType): string {
    return `${this.#prefix}data:${type}`;
  }

  #indexKey(type: ResourceType): string {
    return `${this.#prefix}index:${type}`;
  }

  #assertOpen(): void {
    if (this.#closed) throw new MeshError('Unavailable', 'the Redis store is closed');
  }
}

function keyOfNew(resource: NewResource): ResourceKey {
  return resource.meta.mesh === undefined
    ? { type: resource.type, name: resource.meta.name }
    : { type: resource.type, name: resource.meta.name, mesh: resource.meta.mesh };
}

interface StreamEntry {
  readonly revision: number;
  readonly type: StoreEventType;
  readonly value: string;
}

/**
 * The entries of an XREAD reply for one stream. RESP2 answers `[[key, entries]]`; RESP3 answers
 * a map, which ioredis's legacy mapping flattens to `[key, entries]`.
 */
function streamEntries(reply: unknown): unknown {
  if (reply === null) return [];
  if (!Array.isArray(reply)) throw corrupt('XREAD reply', reply);
  if (typeof reply[0] === 'string') return reply[1];
  const first: unknown = reply[0];
  return Array.isArray(first) ? first[1] : [];
}

/** `[[id, [field, value, ...]], ...]` to entries. */
function parseEntries(entries: unknown): StreamEntry[] {
  if (!Array.isArray(entries)) throw corrupt('stream entries', entries);
  return entries.map((entry: unknown) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) {
      throw corrupt('stream entry', entry);
    }
    const fields = entry[1] as unknown[];
    let type: unknown;
    let value: unknown;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 'o') type = fields[i + 1];
      else if (fields[i] === 'v') value = fields[i + 1];
    }
    if ((type !== 'create' && type !== 'update' && type !== 'delete') || typeof value !== 'string') {
      throw corrupt('stream entry', entry);
    }
    return { revision: Number.parseInt(entry[0], 10), type, value };
  });
}

function historyGone(last: number, oldest: number): MeshError {
  return new MeshError(
    'HistoryGone',
    `events after revision ${last} are no longer kept (oldest kept: ${oldest}); relist`,
  );
}

/** Redis error replies that mean "not now" rather than "wrong". */
const transientReplies = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY|NOREPLICAS)\b/;

/**
 * A failed command as a MeshError: error replies from Redis itself are `Internal` (a script or
 * data bug) unless transient; anything else (connection refused or lost, retries exhausted,
 * timeout) is `Unavailable`.
 */
function toStoreError(what: string, err: unknown): MeshError {
  if (err instanceof MeshError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof Error && err.name === 'ReplyError' && !transientReplies.test(message)) {
    return new MeshError('Internal', `Redis refused ${what}: ${message}`, { cause: err });
  }
  return unavailable(what, err);
}

function unavailable(what: string, err: unknown): MeshError {
  const message = err instanceof Error ? err.message : String(err);
  return new MeshError('Unavailable', `Redis is unavailable (${what}): ${message}`, { cause: err });
}
