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
  DeliverPolicy,
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
import { type KV, Kvm } from '@nats-io/kv';

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
  /** Messages (values and delete markers) in the bucket. */
  readonly messages: number;
}

/**
 * Reads a bucket's state (`STREAM.INFO`). Zones may call this for `zm-global` only: on `zm-zones`
 * the answer could list other zones' key names (`subjects_filter`), so zone accounts lack it.
 */
export async function bucketState(jsm: JetStreamManager, bucket: string): Promise<BucketState> {
  const info = await jsm.streams.info(streamOf(bucket));
  return { created: info.created, lastRevision: info.state.last_seq, messages: info.state.messages };
}

/** One entry as a bucket watch delivers it. */
export interface BucketEntry {
  readonly key: string;
  readonly revision: number;
  readonly operation: 'put' | 'delete';
  /** Empty for deletes. */
  readonly value: Uint8Array;
  /** Entries still to come after this one when it was delivered (0: caught up). */
  readonly pending: number;
}

/** A running bucket watch. */
export interface BucketWatch {
  /** Entries matching the filter still to deliver when the watch started (0: nothing yet). */
  readonly initialPending: number;
  readonly entries: AsyncIterable<BucketEntry>;
  stop(): void;
}

/**
 * The subject a write of `key` is published on, as the KV client builds it: under the JetStream
 * API prefix when the client has one (a zone account importing the buckets under `$JS.mesh.API`,
 * or a JetStream domain), so that writes take the same route as the account's imports.
 */
export function kvWriteSubject(js: JetStreamClient, bucket: string, key: string): string {
  const prefix = js.apiPrefix === '$JS.API' ? '' : `${js.apiPrefix}.`;
  return `${prefix}$KV.${bucket}.${key}`;
}

/** The header that marks a KV delete (`DEL`) or purge (`PURGE`). */
export const kvOperationHeader = 'KV-Operation';

/**
 * Watches the keys under `filter` in revision order: from `fromRevision` (inclusive) when
 * given, else the latest entry of every key, then live changes. An ordered push consumer whose
 * filter is part of the create subject, so a zone account can be allowed to watch its own keys
 * only (`CONSUMER.CREATE.KV_zm-zones.*.$KV.zm-zones.<zone>.>`). Its deliveries go to the
 * connection's inbox prefix. The consumer recreates itself across reconnects and gaps.
 */
export async function watchBucket(
  js: JetStreamClient,
  bucket: string,
  filter: string,
  fromRevision?: number,
): Promise<BucketWatch> {
  const consumer = await js.consumers.getPushConsumer(streamOf(bucket), {
    filter_subjects: `$KV.${bucket}.${filter}`,
    ...(fromRevision === undefined
      ? { deliver_policy: DeliverPolicy.LastPerSubject }
      : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, fromRevision) }),
  });
  const info = await consumer.info(true);
  const messages = await consumer.consume();
  const prefixLength = `$KV.${bucket}.`.length;
  async function* entries(): AsyncGenerator<BucketEntry> {
    for await (const message of messages) {
      const operation = message.headers?.get(kvOperationHeader);
      const deleted = operation === 'DEL' || operation === 'PURGE';
      yield {
        key: message.subject.slice(prefixLength),
        revision: message.seq,
        operation: deleted ? 'delete' : 'put',
        value: deleted ? new Uint8Array(0) : message.data,
        pending: message.info.pending,
      };
    }
  }
  return { initialPending: info.num_pending, entries: entries(), stop: () => messages.stop() };
}

/** The latest entry of every key under a filter, delete markers included. */
export type BucketContents = ReadonlyMap<string, BucketEntry>;

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
  const watch = await watchBucket(js, bucket, filter);
  const entries = new Map<string, BucketEntry>();
  if (watch.initialPending === 0) {
    watch.stop();
    return entries;
  }
  let complete = false;
  let stalled = false;
  const arm = (): NodeJS.Timeout =>
    setTimeout(() => {
      stalled = true;
      watch.stop();
    }, stallMs);
  let timer = arm();
  try {
    for await (const entry of watch.entries) {
      entries.set(entry.key, entry);
      if (entry.pending === 0) {
        complete = true;
        break;
      }
      clearTimeout(timer);
      timer = arm();
    }
  } finally {
    clearTimeout(timer);
    watch.stop();
  }
  if (!complete) {
    const how = stalled ? 'stalled' : 'ended';
    throw new Error(`reading bucket ${bucket} ${how} after ${entries.size} keys`);
  }
  return entries;
}
