/**
 * Applies `zm-global` to a zone's store: global-origin resources are written with
 * `kuma.io/origin: global`; zone ingresses of other zones are written as global forwarded them
 * (`<zone>.<name>`, `kuma.io/origin: zone`, `kuma.io/zone`); the zone's own ingress coming back
 * is ignored. A delete removes only a copy sync wrote. Invalid entries are counted, logged and
 * skipped without touching the store.
 */
import { formatKey, keyOf, type NewResource, type ResourceKey } from '@zonemesh/api';
import type { Checkpoint, ResourceStore } from '@zonemesh/store';
import type { Logger } from 'pino';
import {
  isCopyFromGlobal,
  isForwardedToZones,
  isGlobalOriginType,
  SyncLabels,
  syncedTypes,
} from '../kind-routing.js';
import type { ApplyOutcome, FollowedEntry, FollowerTarget } from '../kv-follower.js';
import { globalReadyKey, isZoneName, parseGlobalKey } from '../kv-keys.js';
import { deleteCopy, isRejectedWrite, upsert } from '../resource-writer.js';
import { listAll } from '../store-follower.js';
import type { SyncMetrics } from '../sync-metrics.js';
import { decodeResourceMessage, type InvalidReason, specProblems, toNewResource } from '../wire-format.js';

type Parsed =
  | { readonly kind: 'ready' }
  | { readonly kind: 'own' }
  | { readonly kind: 'delete'; readonly key: ResourceKey }
  | { readonly kind: 'put'; readonly resource: NewResource }
  | { readonly kind: 'incompatible'; readonly detail: string }
  | { readonly kind: 'invalid' };

export interface GlobalDataApplierOptions {
  readonly zone: string;
  readonly store: ResourceStore;
  readonly log: Logger;
  readonly metrics: SyncMetrics;
  /** Called with a problem worth showing in the zone's status (incompatible data). */
  readonly onProblem: (problem: string) => void;
}

/** See the module comment. */
export class GlobalDataApplier implements FollowerTarget {
  readonly #options: GlobalDataApplierOptions;
  #lastIncompatible: string | undefined;

  constructor(options: GlobalDataApplierOptions) {
    this.#options = options;
  }

  #invalid(entry: FollowedEntry, reason: InvalidReason, detail: string): Parsed {
    this.#options.metrics.invalid('global', reason);
    this.#options.log.warn(
      { key: entry.key, revision: entry.revision, reason, detail },
      'invalid global entry skipped',
    );
    return { kind: 'invalid' };
  }

  #parse(entry: FollowedEntry): Parsed {
    if (entry.key === globalReadyKey) return { kind: 'ready' };
    const parsedKey = parseGlobalKey(entry.key);
    if (!parsedKey.ok) return this.#invalid(entry, 'malformed', parsedKey.reason);
    const key = parsedKey.value;
    if (!isGlobalOriginType(key.type) && !isForwardedToZones(key.type)) {
      return this.#invalid(entry, 'mismatch', `global does not send ${key.type} to zones`);
    }
    if (entry.operation === 'delete') return { kind: 'delete', key };
    const decoded = decodeResourceMessage(entry.value, 'zone');
    if (!decoded.ok) {
      if (decoded.reason === 'incompatible') {
        this.#options.metrics.invalid('global', 'incompatible');
        return { kind: 'incompatible', detail: decoded.detail };
      }
      return this.#invalid(entry, decoded.reason, decoded.detail);
    }
    const message = decoded.value;
    if (message.type !== key.type || message.name !== key.name || message.mesh !== key.mesh) {
      return this.#invalid(entry, 'mismatch', 'the payload names another resource than its key');
    }
    const problems = specProblems(message);
    if (problems !== undefined) return this.#invalid(entry, 'malformed', problems);
    if (isGlobalOriginType(key.type)) {
      const labels = { ...message.labels, [SyncLabels.origin]: 'global' };
      return { kind: 'put', resource: toNewResource(message, key.name, labels) };
    }
    const from = message.labels[SyncLabels.zone];
    if (from === undefined || !isZoneName(from) || message.labels[SyncLabels.origin] !== 'zone') {
      return this.#invalid(
        entry,
        'malformed',
        'a forwarded zone ingress must carry kuma.io/zone and kuma.io/origin: zone',
      );
    }
    if (from === this.#options.zone) return { kind: 'own' };
    return { kind: 'put', resource: toNewResource(message, key.name, message.labels) };
  }

  #owned = (existing: Parameters<typeof isCopyFromGlobal>[0]): boolean =>
    isCopyFromGlobal(existing, this.#options.zone);

  async applyEntry(entry: FollowedEntry, checkpoint: Checkpoint): Promise<ApplyOutcome> {
    const parsed = this.#parse(entry);
    switch (parsed.kind) {
      case 'ready':
      case 'own':
      case 'invalid':
        return 'skipped';
      case 'incompatible':
        this.#incompatible(parsed.detail);
        return 'incompatible';
      case 'delete':
        return deleteCopy(this.#options.store, parsed.key, this.#owned, checkpoint);
      case 'put':
        return this.#write(entry, parsed.resource, checkpoint);
    }
  }

  #incompatible(detail: string): void {
    if (this.#lastIncompatible !== detail) {
      this.#options.log.error(
        { detail },
        'refusing global data in an incompatible wire format; upgrade this zone',
      );
      this.#lastIncompatible = detail;
    }
    this.#options.onProblem(detail);
  }

  async #write(entry: FollowedEntry, resource: NewResource, checkpoint?: Checkpoint): Promise<ApplyOutcome> {
    try {
      return await upsert(this.#options.store, resource, checkpoint);
    } catch (err) {
      if (!isRejectedWrite(err)) throw err;
      this.#invalid(entry, 'malformed', `the store refused it: ${(err as Error).message}`);
      return 'skipped';
    }
  }

  /** Global's ready marker proves the snapshot holds global's whole store: only then may it delete. */
  snapshotReady(entries: ReadonlyMap<string, FollowedEntry>): boolean {
    return entries.get(globalReadyKey)?.operation === 'put';
  }

  async applySnapshot(entries: ReadonlyMap<string, FollowedEntry>, checkpoint: Checkpoint): Promise<void> {
    const { store, log } = this.#options;
    const kept = new Set<string>();
    for (const entry of entries.values()) {
      // A value this build cannot read (invalid, or a newer major version) still proves the key
      // exists: its local copy is kept as it is, never deleted.
      const key = parseGlobalKey(entry.key);
      if (key.ok && entry.operation === 'put') kept.add(formatKey(key.value));
      const parsed = this.#parse(entry);
      if (parsed.kind === 'incompatible') this.#incompatible(parsed.detail);
      if (parsed.kind === 'put') await this.#write(entry, parsed.resource);
    }
    let deleted = 0;
    for (const copy of await listAll(store, syncedTypes)) {
      if (!this.#owned(copy) || kept.has(formatKey(keyOf(copy)))) continue;
      if ((await deleteCopy(store, keyOf(copy), this.#owned)) === 'written') deleted++;
    }
    await store.setCheckpoint(checkpoint);
    if (deleted > 0) log.info({ deleted }, 'removed global copies missing from the snapshot');
  }
}
