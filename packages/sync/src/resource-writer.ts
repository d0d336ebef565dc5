/**
 * How sync writes copies into a store: only when the content differs (so replays and snapshots
 * cost no writes and fire no watch events), with the checkpoint in the same write, and tolerant
 * of a concurrent create or delete of the same key.
 */
import { isMeshError, keyOf, type NewResource, type Resource, type ResourceKey } from '@zonemesh/api';
import type { Checkpoint, ResourceStore } from '@zonemesh/store';
import { canonicalJson } from './wire-format.js';

/** Whether a stored resource already has the labels and spec a write would give it. */
export function sameContent(existing: Resource, wanted: NewResource): boolean {
  return (
    canonicalJson(existing.meta.labels) === canonicalJson(wanted.meta.labels ?? {}) &&
    canonicalJson(existing.spec) === canonicalJson(wanted.spec)
  );
}

function withCheckpoint(checkpoint: Checkpoint | undefined): { checkpoint?: Checkpoint } {
  return checkpoint === undefined ? {} : { checkpoint };
}

/**
 * Creates or updates `wanted` unless the store already holds the same content. Returns whether
 * it wrote. Store errors propagate (validation errors included: the caller decides).
 */
export async function upsert(
  store: ResourceStore,
  wanted: NewResource,
  checkpoint?: Checkpoint,
): Promise<'written' | 'unchanged'> {
  const existing = await store.get(keyOf(wanted));
  if (existing !== undefined && sameContent(existing, wanted)) return 'unchanged';
  try {
    if (existing === undefined) await store.create(wanted, withCheckpoint(checkpoint));
    else await store.update(wanted, withCheckpoint(checkpoint));
  } catch (err) {
    // Someone created or deleted the key between our read and write: write the other way.
    if (isMeshError(err, 'AlreadyExists')) await store.update(wanted, withCheckpoint(checkpoint));
    else if (isMeshError(err, 'NotFound')) await store.create(wanted, withCheckpoint(checkpoint));
    else throw err;
  }
  return 'written';
}

/** Deletes `key` if it exists and `owned` says the copy is sync's to delete. */
export async function deleteCopy(
  store: ResourceStore,
  key: ResourceKey,
  owned: (existing: Resource) => boolean,
  checkpoint?: Checkpoint,
): Promise<'written' | 'unchanged'> {
  const existing = await store.get(key);
  if (existing === undefined || !owned(existing)) return 'unchanged';
  try {
    await store.delete(key, withCheckpoint(checkpoint));
  } catch (err) {
    if (isMeshError(err, 'NotFound')) return 'unchanged';
    throw err;
  }
  return 'written';
}

/** Whether a store error means the write itself is invalid (retrying cannot help). */
export function isRejectedWrite(err: unknown): boolean {
  return (
    isMeshError(err, 'InvalidInput') ||
    isMeshError(err, 'UnsupportedKind') ||
    isMeshError(err, 'TooLarge') ||
    isMeshError(err, 'MethodNotAllowed') ||
    isMeshError(err, 'Forbidden')
  );
}
