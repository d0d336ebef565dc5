/**
 * Follows a bucket into a store: entries are applied in revision order and the last applied
 * revision is written with the data (`checkpoint` write option), so a reconnect or restart
 * resumes right after it and only what changed since is received again.
 *
 * Without a usable checkpoint (none yet, the bucket was recreated, or the bucket is behind the
 * checkpoint) the follower takes a full snapshot: it collects the latest entry of every key until
 * it has caught up with the bucket and the target says the snapshot can be trusted, and only then
 * hands it over in one piece. A snapshot cut short (NATS down, watch ended) is dropped without any
 * store change: a partial snapshot is never read as a delete.
 */
import type { Checkpoint, ResourceStore } from '@zonemesh/store';
import type { Logger } from 'pino';
import { z } from 'zod';
import { abortableSleep, Backoff, missingBucketRetryMs } from './backoff.js';
import { bucketState, isStreamNotFound, managerOf, watchBucket } from './kv-bucket.js';
import { type NatsLink, refusalHint } from './nats-connection.js';
import type { SyncMetrics, SyncStream } from './sync-metrics.js';

/** One entry read from a bucket. */
export interface FollowedEntry {
  readonly key: string;
  readonly revision: number;
  readonly operation: 'put' | 'delete';
  /** Empty for deletes. */
  readonly value: Uint8Array;
}

/**
 * What applying an entry did: `written` (a store write carrying the checkpoint), `unchanged`
 * (the store already matched), `skipped` (not for this side, or invalid and counted),
 * `incompatible` (a newer major wire version: skipped now, and the persisted checkpoint stays
 * before it so that an upgraded build reads it again).
 */
export type ApplyOutcome = 'written' | 'unchanged' | 'skipped' | 'incompatible';

/** The side-specific half of a follower: validation and store writes. */
export interface FollowerTarget {
  /** Applies one entry; a store write it makes must carry `checkpoint`. */
  applyEntry(entry: FollowedEntry, checkpoint: Checkpoint): Promise<ApplyOutcome>;
  /** Whether a caught-up snapshot holding these entries may be applied (deletes included). */
  snapshotReady(entries: ReadonlyMap<string, FollowedEntry>): boolean;
  /**
   * Applies a complete snapshot: writes what differs, deletes the copies it does not hold, and
   * writes `checkpoint` last.
   */
  applySnapshot(entries: ReadonlyMap<string, FollowedEntry>, checkpoint: Checkpoint): Promise<void>;
}

export interface KvFollowerOptions {
  readonly link: NatsLink;
  readonly bucket: string;
  readonly store: ResourceStore;
  /** Name of the checkpoint in the store. */
  readonly checkpointName: string;
  readonly target: FollowerTarget;
  readonly log: Logger;
  readonly metrics: SyncMetrics;
  /** Metrics label of the bucket. */
  readonly stream: SyncStream;
  readonly signal: AbortSignal;
  /** How often the bucket's identity and progress are checked, default 10 s. */
  readonly checkIntervalMs?: number;
  /** Start only once this resolves (global: after it created the buckets). */
  readonly startAfter?: Promise<void>;
  /** The zone an entry came from, for the metrics' `zone` label (global: the key's first token). */
  readonly zoneOfKey?: (key: string) => string | undefined;
  /** Called after the applied revision moved (an entry or a whole snapshot); must not throw. */
  readonly onApplied?: (revision: number) => void;
}

/** A running follower. */
export interface KvFollower {
  /** The last revision applied (0 before the first). */
  appliedRevision(): number;
  /** The bucket's last revision when last looked at. */
  knownRevision(): number;
  lastError(): string | undefined;
  /** Runs until the signal aborts; never rejects. */
  readonly done: Promise<void>;
}

const CheckpointSchema = z.object({ stream: z.string(), revision: z.number().int().nonnegative() });
type CheckpointValue = z.infer<typeof CheckpointSchema>;

function parseCheckpoint(value: string | undefined): CheckpointValue | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = CheckpointSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Unchanged entries are checkpointed lazily: when caught up, or after this many. */
const lazyCheckpointEvery = 256;

/** Starts following; see the module comment. */
export function startKvFollower(options: KvFollowerOptions): KvFollower {
  const { link, bucket, store, target, log, metrics, stream, signal } = options;
  const checkIntervalMs = options.checkIntervalMs ?? 10_000;
  let applied = 0;
  let known = 0;
  let lastError: string | undefined;
  let lastLogged: string | undefined;

  const problem = (message: string, err: unknown): void => {
    const text = err instanceof Error ? err.message : String(err);
    lastError = `${message}: ${text}`;
    // The same failure repeats on every retry: log it once until something else happens.
    if (lastError === lastLogged) return;
    lastLogged = lastError;
    const hint = refusalHint(err);
    log.warn({ bucket, err: text, ...(hint === undefined ? {} : { hint }) }, message);
  };

  const backoff = new Backoff(250, 5_000);
  const session = async (): Promise<void> => {
    const nc = await link.connected();
    const js = link.jetstream(nc);
    const jsm = await managerOf(js);
    const state = await bucketState(jsm, bucket);
    known = state.lastRevision;
    const saved = parseCheckpoint(await store.getCheckpoint(options.checkpointName));
    const resume =
      saved !== undefined && saved.stream === state.created && saved.revision <= state.lastRevision;
    const checkpointOf = (revision: number): Checkpoint => ({
      name: options.checkpointName,
      value: JSON.stringify({ stream: state.created, revision }),
    });

    let snapshot: Map<string, FollowedEntry> | undefined;
    let caughtUp = false;
    if (resume) {
      applied = saved.revision;
      log.info({ bucket, fromRevision: saved.revision + 1 }, 'resuming sync');
    } else {
      const reason =
        saved === undefined
          ? 'no checkpoint'
          : saved.stream !== state.created
            ? 'bucket recreated'
            : 'bucket behind';
      log.info({ bucket, reason, messages: state.messages }, 'taking a full snapshot');
      metrics.snapshot();
      snapshot = new Map();
    }

    const finishSnapshot = async (revision: number): Promise<void> => {
      if (snapshot === undefined || !caughtUp || !target.snapshotReady(snapshot)) return;
      await target.applySnapshot(snapshot, checkpointOf(revision));
      log.info({ bucket, revision, keys: snapshot.size }, 'snapshot applied');
      snapshot = undefined;
      applied = revision;
      metrics.appliedRevision(stream, applied);
      options.onApplied?.(applied);
    };
    const watch = await watchBucket(js, bucket, '>', resume ? saved.revision + 1 : undefined);
    if (snapshot !== undefined && watch.initialPending === 0) {
      caughtUp = true;
      await finishSnapshot(0);
    }
    lastLogged = undefined;
    lastError = undefined;
    backoff.reset();

    // Ends the watch when the bucket is recreated under us or the watch stops making progress.
    let endedBy: string | undefined;
    let stalledChecks = 0;
    let appliedAtLastCheck = applied;
    const check = setInterval(() => {
      bucketState(jsm, bucket)
        .then((now) => {
          known = now.lastRevision;
          if (now.created !== state.created) {
            endedBy = 'bucket recreated';
            watch.stop();
            return;
          }
          const behind = snapshot === undefined ? now.lastRevision > applied : !caughtUp;
          stalledChecks = behind && applied === appliedAtLastCheck ? stalledChecks + 1 : 0;
          appliedAtLastCheck = applied;
          if (stalledChecks >= 3) {
            endedBy = 'watch stalled';
            watch.stop();
          }
        })
        .catch((err: unknown) => {
          if (isStreamNotFound(err)) {
            endedBy = 'bucket deleted';
            watch.stop();
          }
        });
    }, checkIntervalMs);
    const onAbort = (): void => watch.stop();
    signal.addEventListener('abort', onAbort, { once: true });

    let ceiling = Number.POSITIVE_INFINITY;
    let unpersisted = 0;
    try {
      for await (const entry of watch.entries) {
        metrics.message('received', stream, entry.value.length, options.zoneOfKey?.(entry.key));
        if (snapshot !== undefined) {
          snapshot.set(entry.key, entry);
          if (entry.pending === 0 || entry.revision >= state.lastRevision) caughtUp = true;
          await finishSnapshot(entry.revision);
          continue;
        }
        const outcome = await target.applyEntry(entry, checkpointOf(Math.min(entry.revision, ceiling)));
        applied = entry.revision;
        metrics.appliedRevision(stream, applied);
        options.onApplied?.(applied);
        if (outcome === 'incompatible') ceiling = Math.min(ceiling, entry.revision - 1);
        if (outcome === 'written') {
          unpersisted = 0;
        } else if (++unpersisted >= lazyCheckpointEvery || entry.pending === 0) {
          await store.setCheckpoint(checkpointOf(Math.min(applied, ceiling)));
          unpersisted = 0;
        }
      }
    } finally {
      clearInterval(check);
      signal.removeEventListener('abort', onAbort);
      watch.stop();
    }
    if (!signal.aborted) throw new Error(endedBy ?? 'watch ended');
  };

  const run = async (): Promise<void> => {
    if (options.startAfter !== undefined) {
      await Promise.race([
        options.startAfter,
        new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
      ]);
    }
    while (!signal.aborted) {
      try {
        await session();
      } catch (err) {
        if (signal.aborted) break;
        metrics.error('watch');
        problem(
          isStreamNotFound(err) ? 'sync bucket does not exist yet, waiting' : 'sync watch failed, retrying',
          err,
        );
        const delay = backoff.next();
        await abortableSleep(isStreamNotFound(err) ? Math.min(delay, missingBucketRetryMs) : delay, signal);
      }
    }
  };

  return {
    appliedRevision: () => applied,
    knownRevision: () => Math.max(known, applied),
    lastError: () => lastError,
    done: run(),
  };
}
