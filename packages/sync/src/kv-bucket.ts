/**
 * The two sync buckets as JetStream streams: how global creates them, how either side reads a
 * bucket's identity, and how a complete copy of (part of) a bucket is read.
 *
 * The buckets are KV buckets (stream `KV_<bucket>`, subjects `$KV.<bucket>.>`, one value per
 * key) but created by hand rather than by `Kvm.create`, because the KV client always sets
 * `allow_rollup_hdrs: true`: with it, one `Nats-Rollup: all` header on a key a zone may write
 * wipes every other key of the stream (shared/notes/nats-zone-isolation.md).
 */
import {
  DiscardPolicy,
  type JetStreamClient,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { type KV, type KvWatchEntry, Kvm } from '@nats-io/kv';

/** The stream behind a bucket. */
export function streamOf(bucket: string): string {
  return `KV_${bucket}`;
}

/** A JetStream manager that makes no API call to check JetStream first (zones may not be allowed to). */
export function managerOf(js: JetStreamClient): Promise<JetStreamManager> {
  return js.jetstreamManager(false);
}

/** Opens a bucket without any API call (the bucket must exist for reads and writes to work). */
export function openBucket(js: JetStreamClient, bucket: string): Promise<KV> {
  return new Kvm(js).open(bucket);
}

function bucketConfig(bucket: string, replicas: number): Partial<StreamConfig> & { name: string } {
  return {
    name: streamOf(bucket),
    subjects: [`$KV.${bucket}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: replicas,
    max_msgs_per_subject: 1,
    max_msg_size: -1,
    max_bytes: -1,
    max_age: 0,
    discard: DiscardPolicy.New,
    allow_direct: true,
    allow_rollup_hdrs: false,
    deny_delete: true,
    deny_purge: false,
  };
}

/** Whether `err` is JetStream's "stream not found". */
export function isStreamNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound;
}

/**
 * Creates the bucket's stream if missing, and turns rollups off on an existing one (a bucket
 * created by an older version or by hand). Idempotent. Only global calls this.
 */
export async function ensureBucket(jsm: JetStreamManager, bucket: string, replicas = 1): Promise<StreamInfo> {
  const config = bucketConfig(bucket, replicas);
  try {
    const info = await jsm.streams.info(streamOf(bucket));
    if (info.config.allow_rollup_hdrs || info.config.max_msgs_per_subject !== 1) {
      return await jsm.streams.update(streamOf(bucket), {
        ...info.config,
        allow_rollup_hdrs: false,
        max_msgs_per_subject: 1,
      });
    }
    return info;
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
    return jsm.streams.add(config);
  }
}

/** A bucket's identity (its creation time changes when it is recreated) and last revision. */
export interface BucketState {
  readonly created: string;
  readonly lastRevision: number;
  /** Keys (with a value or a delete marker) matching the filter the state was read with. */
  readonly keys: number;
}

/** Reads a bucket's state; `filter` (a key filter such as `zone-1.>`) narrows `keys`. */
export async function bucketState(jsm: JetStreamManager, bucket: string, filter = '>'): Promise<BucketState> {
  if (filter === '>') {
    const info = await jsm.streams.info(streamOf(bucket));
    return { created: info.created, lastRevision: info.state.last_seq, keys: info.state.messages };
  }
  const info = await jsm.streams.info(streamOf(bucket), { subjects_filter: `$KV.${bucket}.${filter}` });
  return {
    created: info.created,
    lastRevision: info.state.last_seq,
    keys: Object.keys(info.state.subjects ?? {}).length,
  };
}

/** The latest entry of every key under a filter, delete markers included, and the state read. */
export interface BucketContents {
  readonly state: BucketState;
  readonly entries: ReadonlyMap<string, KvWatchEntry>;
}

/**
 * Reads the latest entry of every key matching `filter`. Resolves only with a complete read: it
 * rejects when the watch ends early or stalls for `stallMs`, so a caller never mistakes a partial
 * read for the bucket's contents.
 */
export async function readBucket(
  js: JetStreamClient,
  bucket: string,
  filter: string,
  stallMs = 10_000,
): Promise<BucketContents> {
  const state = await bucketState(await managerOf(js), bucket, filter);
  const entries = new Map<string, KvWatchEntry>();
  if (state.keys === 0) return { state, entries };
  const kv = await openBucket(js, bucket);
  const watch = await kv.watch({ key: filter });
  let complete = false;
  let stalled = false;
  let timer = setTimeout(() => {
    stalled = true;
    watch.stop();
  }, stallMs);
  try {
    for await (const entry of watch) {
      entries.set(entry.key, entry);
      if (entry.delta === 0) {
        complete = true;
        break;
      }
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        watch.stop();
      }, stallMs);
    }
  } finally {
    clearTimeout(timer);
    watch.stop();
  }
  if (!complete) {
    throw new Error(
      stalled
        ? `reading bucket ${bucket} stalled after ${entries.size} keys`
        : `reading bucket ${bucket} ended after ${entries.size} keys`,
    );
  }
  return { state, entries };
}
