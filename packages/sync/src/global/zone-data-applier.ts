/**
 * Applies `zm-zones` to global's store. A zone's resource `<name>` becomes `<zone>.<name>` with
 * labels `kuma.io/zone`, `kuma.io/origin: zone` and `kuma.io/display-name`; the zone is the key's
 * first token (which the zone's NATS permissions pin), whatever the payload says. Entries that
 * are malformed, oversized, of a kind zones may not write, or that do not match their key are
 * counted, logged and skipped without touching the store.
 */
import { formatKey, keyOf, type NewResource, type Resource, type ResourceKey } from '@zonemesh/api';
import type { Checkpoint, ResourceStore } from '@zonemesh/store';
import type { Logger } from 'pino';
import { isCopyFromZone, isZoneOriginType, SyncLabels, zoneOf } from '../kind-routing.js';
import type { ApplyOutcome, FollowedEntry, FollowerTarget } from '../kv-follower.js';
import { parseZoneKey, zoneOfReadyKey } from '../kv-keys.js';
import { deleteCopy, isRejectedWrite, upsert } from '../resource-writer.js';
import { listAll } from '../store-follower.js';
import type { SyncMetrics } from '../sync-metrics.js';
import { decodeResourceMessage, type InvalidReason, specProblems, toNewResource } from '../wire-format.js';
import type { ZoneRegistry } from './zone-registry.js';

/** The name of a zone's resource on global. */
export function globalName(zone: string, name: string): string {
  return `${zone}.${name}`;
}

type Parsed =
  | { readonly kind: 'ready'; readonly zone: string }
  | { readonly kind: 'delete'; readonly zone: string; readonly key: ResourceKey }
  | { readonly kind: 'put'; readonly zone: string; readonly resource: NewResource }
  | { readonly kind: 'incompatible'; readonly zone: string; readonly version: string }
  | { readonly kind: 'invalid' };

export interface ZoneDataApplierOptions {
  readonly store: ResourceStore;
  readonly registry: ZoneRegistry;
  readonly log: Logger;
  readonly metrics: SyncMetrics;
}

/** See the module comment. */
export class ZoneDataApplier implements FollowerTarget {
  readonly #options: ZoneDataApplierOptions;

  constructor(options: ZoneDataApplierOptions) {
    this.#options = options;
  }

  #invalid(entry: FollowedEntry, reason: InvalidReason, detail: string): Parsed {
    this.#options.metrics.invalid('zones', reason);
    this.#options.log.warn(
      { key: entry.key, revision: entry.revision, reason, detail },
      'invalid zone entry skipped',
    );
    return { kind: 'invalid' };
  }

  #parse(entry: FollowedEntry): Parsed {
    const readyZone = zoneOfReadyKey(entry.key);
    if (readyZone !== undefined) return { kind: 'ready', zone: readyZone };
    const parsedKey = parseZoneKey(entry.key);
    if (!parsedKey.ok) return this.#invalid(entry, 'malformed', parsedKey.reason);
    const { zone, key } = parsedKey.value;
    if (!isZoneOriginType(key.type))
      return this.#invalid(entry, 'mismatch', `zones may not write ${key.type}`);
    const onGlobal: ResourceKey = { ...key, name: globalName(zone, key.name) };
    if (entry.operation === 'delete') return { kind: 'delete', zone, key: onGlobal };
    const decoded = decodeResourceMessage(entry.value, 'global');
    if (!decoded.ok) {
      if (decoded.reason === 'incompatible' && decoded.version !== undefined) {
        this.#options.metrics.invalid('zones', 'incompatible');
        return { kind: 'incompatible', zone, version: decoded.version };
      }
      return this.#invalid(entry, decoded.reason, decoded.detail);
    }
    const message = decoded.value;
    if (message.type !== key.type || message.name !== key.name || message.mesh !== key.mesh) {
      return this.#invalid(entry, 'mismatch', 'the payload names another resource than its key');
    }
    const problems = specProblems(message);
    if (problems !== undefined) return this.#invalid(entry, 'malformed', problems);
    const labels = {
      ...message.labels,
      [SyncLabels.zone]: zone,
      [SyncLabels.origin]: 'zone',
      [SyncLabels.displayName]: key.name,
    };
    return { kind: 'put', zone, resource: toNewResource(message, onGlobal.name, labels) };
  }

  async applyEntry(entry: FollowedEntry, checkpoint: Checkpoint): Promise<ApplyOutcome> {
    const parsed = this.#parse(entry);
    const { store, registry } = this.#options;
    switch (parsed.kind) {
      case 'invalid':
        return 'skipped';
      case 'ready':
        registry.dataSeen(parsed.zone);
        return 'skipped';
      case 'incompatible':
        registry.dataIncompatible(parsed.zone, parsed.version);
        return 'incompatible';
      case 'delete':
        registry.dataSeen(parsed.zone);
        return deleteCopy(store, parsed.key, (existing) => ownedBy(existing, parsed.zone), checkpoint);
      case 'put':
        registry.dataSeen(parsed.zone);
        return this.#write(entry, parsed.resource, checkpoint);
    }
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

  snapshotReady(): boolean {
    // Deletes are gated per zone by its ready marker (see applySnapshot), so any caught-up
    // snapshot may be applied.
    return true;
  }

  async applySnapshot(entries: ReadonlyMap<string, FollowedEntry>, checkpoint: Checkpoint): Promise<void> {
    const { store, registry, log } = this.#options;
    const readyZones = new Set<string>();
    const kept = new Set<string>();
    for (const entry of entries.values()) {
      // A value this build cannot read (invalid, or a newer major version) still proves the key
      // exists: its copy on global is kept as it is, never deleted.
      const key = parseZoneKey(entry.key);
      if (key.ok && entry.operation === 'put') {
        kept.add(formatKey({ ...key.value.key, name: globalName(key.value.zone, key.value.key.name) }));
      }
      const parsed = this.#parse(entry);
      if (parsed.kind === 'ready') readyZones.add(parsed.zone);
      if (parsed.kind === 'incompatible') registry.dataIncompatible(parsed.zone, parsed.version);
      if (parsed.kind !== 'put') continue;
      registry.dataSeen(parsed.zone);
      await this.#write(entry, parsed.resource);
    }
    // Only zones whose ready marker is in the snapshot lose copies the snapshot lacks: for the
    // others the snapshot may predate their first complete publish.
    let deleted = 0;
    const copies = await listAll(store, ['Dataplane', 'ZoneIngress']);
    for (const copy of copies) {
      const zone = zoneOf(copy);
      if (!isCopyFromZone(copy) || zone === undefined || !readyZones.has(zone)) continue;
      const key = keyOf(copy);
      if (kept.has(formatKey(key))) continue;
      if ((await deleteCopy(store, key, (existing) => ownedBy(existing, zone))) === 'written') deleted++;
    }
    await store.setCheckpoint(checkpoint);
    if (deleted > 0) log.info({ deleted }, 'removed zone copies missing from the snapshot');
  }
}

function ownedBy(existing: Resource, zone: string): boolean {
  return isCopyFromZone(existing) && zoneOf(existing) === zone;
}
