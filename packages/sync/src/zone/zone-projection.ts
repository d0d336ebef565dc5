/**
 * What a zone's part of `zm-zones` should hold: the zone's own Dataplanes and ZoneIngresses
 * (never the copies sync wrote from global or from other zones), keyed under the zone's name.
 * Labels travel as the zone has them; global adds its own.
 */
import { keyOf, type Resource } from '@zonemesh/api';
import type { StoreEvent } from '@zonemesh/store';
import { isOwnZoneResource } from '../kind-routing.js';
import { zoneKey } from '../kv-keys.js';
import type { KvMirror } from '../kv-mirror.js';
import type { StoreFollowerHandlers } from '../store-follower.js';
import { encodeResourceMessage } from '../wire-format.js';

/** Feeds a mirror of the zone's keys from the zone's store, and counts them per kind. */
export class ZoneProjection implements StoreFollowerHandlers {
  readonly #zone: string;
  readonly #mirror: KvMirror;
  /** Key -> kind of every own resource published. */
  readonly #kinds = new Map<string, string>();

  constructor(zone: string, mirror: KvMirror) {
    this.#zone = zone;
    this.#mirror = mirror;
  }

  reset(resources: readonly Resource[]): void {
    this.#kinds.clear();
    const desired = new Map<string, string>();
    for (const resource of resources) {
      if (!isOwnZoneResource(resource, this.#zone)) continue;
      const key = zoneKey(this.#zone, keyOf(resource));
      desired.set(key, encodeResourceMessage(resource, resource.meta.labels));
      this.#kinds.set(key, resource.type);
    }
    this.#mirror.replaceAll(desired);
  }

  change(event: StoreEvent): void {
    const resource = event.resource;
    const key = zoneKey(this.#zone, keyOf(resource));
    if (event.type === 'delete' || !isOwnZoneResource(resource, this.#zone)) {
      // A delete, or a resource that stopped being the zone's own: it must leave the bucket.
      if (this.#kinds.delete(key)) this.#mirror.set(key, undefined);
      return;
    }
    this.#kinds.set(key, resource.type);
    this.#mirror.set(key, encodeResourceMessage(resource, resource.meta.labels));
  }

  /** Own resources per kind, for the heartbeat. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const kind of this.#kinds.values()) counts[kind] = (counts[kind] ?? 0) + 1;
    return counts;
  }
}
