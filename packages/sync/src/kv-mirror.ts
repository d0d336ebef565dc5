/**
 * Keeps part of a bucket (the keys under a filter) equal to a desired state: the writing half of
 * sync. The source (a store follower) sets what each key should hold; the mirror writes only the
 * keys whose bytes differ from what the bucket holds, so a restart or reconnect sends nothing for
 * what did not change.
 *
 * The mirror re-reads the bucket's contents on every (re)connect and when the bucket is recreated,
 * because writes may have been lost or made by someone else meanwhile. Writes that fail are kept
 * and retried; the desired state only ever moves forward, so retries cannot reorder a key's
 * history. After its first complete pass it writes a ready marker key: readers trust a snapshot
 * for deletes only once the marker is in it.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { Empty, headers } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { abortableSleep, Backoff, Doorbell, missingBucketRetryMs } from './backoff.js';
import {
  bucketState,
  ensureBucket,
  isStreamNotFound,
  kvOperationHeader,
  kvWriteSubject,
  managerOf,
  openBucket,
  readBucket,
} from './kv-bucket.js';
import { type NatsLink, refusalHint } from './nats-connection.js';
import type { SyncMetrics, SyncStream } from './sync-metrics.js';
import { canonicalJson, wireVersion } from './wire-format.js';

export interface KvMirrorOptions {
  readonly link: NatsLink;
  readonly bucket: string;
  /** Key filter of the part of the bucket this mirror owns (`>` or `zone-1.>`). */
  readonly filter: string;
  /** Key of the ready marker, inside the filter. */
  readonly readyKey: string;
  /** Buckets to create (global) before the first read; zones create none. */
  readonly createBuckets?: readonly string[];
  readonly log: Logger;
  readonly metrics: SyncMetrics;
  readonly stream: SyncStream;
  readonly signal: AbortSignal;
  /**
   * How the mirror notices that the bucket changed under it while connected (recreated, or
   * written by someone else): `stream-info` compares the bucket's creation time (global; cheap),
   * `reread` reads the mirror's keys again (zones, whose accounts may not read stream info of
   * `zm-zones`). Every `checkIntervalMs`, default 10 s for stream-info and 30 s for reread.
   */
  readonly check: 'stream-info' | 'reread';
  readonly checkIntervalMs?: number;
}

/** A running mirror. */
export interface KvMirror {
  /** Sets what `key` should hold (`undefined`: nothing). Not before the first {@link replaceAll}. */
  set(key: string, value: string | undefined): void;
  /**
   * Replaces the whole desired state. Until the first call the mirror writes nothing: an empty
   * desired state before the source was read would delete everything.
   */
  replaceAll(values: ReadonlyMap<string, string>): void;
  /** The bucket's last revision as far as this mirror knows (its own writes included). */
  revision(): number;
  /** Whether the bucket holds the whole desired state right now. */
  inSync(): boolean;
  lastError(): string | undefined;
  /** Resolves once the buckets were created (if asked to) and read for the first time. */
  readonly bucketsReady: Promise<void>;
  /** Runs until the signal aborts; never rejects. */
  readonly done: Promise<void>;
}

/** Writes in flight at once per mirror: each JetStream put is a round trip of its own. */
const writeWindow = 128;

/** The ready marker's value. */
export function readyMarker(): string {
  return canonicalJson({ v: wireVersion, ready: true });
}

/** Starts the mirror; see the module comment. */
export function startKvMirror(options: KvMirrorOptions): KvMirror {
  const { link, bucket, log, metrics, stream, signal } = options;
  const checkIntervalMs = options.checkIntervalMs ?? (options.check === 'stream-info' ? 10_000 : 30_000);
  const desired = new Map<string, string>();
  const dirty = new Set<string>();
  let sourceRead = false;
  /** What the bucket holds (under the filter), as of `knownEpoch`; undefined: must be read. */
  let published: Map<string, string> | undefined;
  let knownEpoch = -1;
  let knownCreated: string | undefined;
  let revision = 0;
  let lastError: string | undefined;
  let lastLogged: string | undefined;
  const doorbell = new Doorbell();
  let markBucketsReady: () => void = () => {};
  const bucketsReady = new Promise<void>((resolve) => {
    markBucketsReady = resolve;
  });

  const problem = (message: string, err: unknown): void => {
    const text = err instanceof Error ? err.message : String(err);
    lastError = `${message}: ${text}`;
    if (lastError === lastLogged) return;
    lastLogged = lastError;
    const hint = refusalHint(err);
    log.warn({ bucket, err: text, ...(hint === undefined ? {} : { hint }) }, message);
  };

  /** Reads the bucket's current contents and marks every key that differs. */
  const resync = async (js: JetStreamClient): Promise<void> => {
    if (options.check === 'stream-info') {
      const state = await bucketState(await managerOf(js), bucket);
      knownCreated = state.created;
      revision = Math.max(revision, state.lastRevision);
    }
    const contents = await readBucket(js, bucket, options.filter);
    const values = new Map<string, string>();
    const decoder = new TextDecoder();
    for (const [key, entry] of contents) {
      revision = Math.max(revision, entry.revision);
      if (entry.operation === 'put') values.set(key, decoder.decode(entry.value));
    }
    published = values;
    dirty.clear();
    for (const key of new Set([...desired.keys(), ...values.keys()])) {
      if (key !== options.readyKey) dirty.add(key);
    }
    log.debug({ bucket, keys: values.size, differing: dirty.size }, 'read bucket contents');
  };

  /** Writes what `key` should hold; leaves it dirty when its desired value moved meanwhile. */
  const write = async (
    js: JetStreamClient,
    kv: KV,
    have: Map<string, string>,
    key: string,
  ): Promise<void> => {
    const want = desired.get(key);
    if (want === undefined) {
      // A delete marker published by hand rather than `kv.delete`, which drops the ack: the
      // marker's revision counts in `revision()` (global's lag figures) like a put's.
      const marker = headers();
      marker.set(kvOperationHeader, 'DEL');
      const ack = await js.publish(kvWriteSubject(js, bucket, key), Empty, { headers: marker });
      revision = Math.max(revision, ack.seq);
      have.delete(key);
      metrics.message('sent', stream, 0);
    } else {
      revision = Math.max(revision, await kv.put(key, want));
      have.set(key, want);
      metrics.message('sent', stream, Buffer.byteLength(want));
    }
    // Only now: a write that failed leaves the key dirty for the retry.
    if (desired.get(key) === want) dirty.delete(key);
  };

  /**
   * Writes every dirty key, up to {@link writeWindow} at once: keys are independent, and one key
   * is never in flight twice (batches run one after another), so its writes stay in order. A
   * failed write fails the pass after its batch settled; the key stays dirty for the retry.
   */
  const flush = async (js: JetStreamClient, kv: KV, have: Map<string, string>): Promise<void> => {
    while (!signal.aborted) {
      const batch: string[] = [];
      for (const key of dirty) {
        if (desired.get(key) === have.get(key)) {
          dirty.delete(key);
          continue;
        }
        batch.push(key);
        if (batch.length === writeWindow) break;
      }
      if (batch.length === 0) break;
      const results = await Promise.allSettled(batch.map((key) => write(js, kv, have, key)));
      const failed = results.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    }
    if (dirty.size === 0 && !have.has(options.readyKey)) {
      const marker = readyMarker();
      revision = Math.max(revision, await kv.put(options.readyKey, marker));
      have.set(options.readyKey, marker);
      metrics.message('sent', stream, Buffer.byteLength(marker));
    }
  };

  const run = async (): Promise<void> => {
    const backoff = new Backoff(250, 5_000);
    let lastCheck = 0;
    while (!signal.aborted) {
      try {
        if (!sourceRead) {
          await doorbell.wait(undefined, signal);
          continue;
        }
        const nc = await link.connected();
        const js = link.jetstream(nc);
        if (published === undefined || knownEpoch !== link.epoch()) {
          knownEpoch = link.epoch();
          published = undefined;
          if (options.createBuckets !== undefined) {
            const jsm = await managerOf(js);
            for (const name of options.createBuckets) await ensureBucket(jsm, name);
          }
          await resync(js);
          markBucketsReady();
          lastCheck = Date.now();
        } else if (Date.now() - lastCheck >= checkIntervalMs) {
          lastCheck = Date.now();
          if (options.check === 'reread') {
            published = undefined;
            continue;
          }
          const state = await bucketState(await managerOf(js), bucket);
          if (state.created !== knownCreated) {
            log.info({ bucket }, 'bucket was recreated, publishing everything again');
            published = undefined;
            continue;
          }
          revision = Math.max(revision, state.lastRevision);
        }
        const have = published;
        if (have === undefined) continue;
        await flush(js, await openBucket(js, bucket), have);
        backoff.reset();
        lastError = undefined;
        lastLogged = undefined;
        if (dirty.size === 0) {
          await doorbell.wait(Math.max(50, checkIntervalMs - (Date.now() - lastCheck)), signal);
        }
      } catch (err) {
        if (signal.aborted) break;
        metrics.error('publish');
        if (isStreamNotFound(err) || /no responders|stream not found/i.test(String(err)))
          published = undefined;
        problem(
          isStreamNotFound(err)
            ? 'sync bucket does not exist yet, waiting'
            : 'publishing to the sync bucket failed, retrying',
          err,
        );
        const delay = backoff.next();
        await abortableSleep(isStreamNotFound(err) ? Math.min(delay, missingBucketRetryMs) : delay, signal);
      }
    }
  };

  return {
    set(key, value) {
      if (value === undefined) desired.delete(key);
      else desired.set(key, value);
      dirty.add(key);
      doorbell.ring();
    },
    replaceAll(values) {
      for (const key of desired.keys()) if (!values.has(key)) dirty.add(key);
      desired.clear();
      for (const [key, value] of values) {
        desired.set(key, value);
        dirty.add(key);
      }
      sourceRead = true;
      doorbell.ring();
    },
    revision: () => revision,
    inSync: () => sourceRead && published !== undefined && dirty.size === 0,
    lastError: () => lastError,
    bucketsReady,
    done: run(),
  };
}
