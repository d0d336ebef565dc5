/**
 * What `zm-global` should hold, derived from global's store: every global-origin resource, plus
 * the zone ingresses that zones sent up, except those of zones whose `Zone` says
 * `enabled: false` (their resources are withheld from the other zones). Global forwards the
 * ingresses itself rather than letting zones read each other's keys, so a zone's account needs
 * no access to other zones' keys at all, and withholding is decided in one place.
 */
import { keyOf, type Resource } from '@zonemesh/api';
import type { StoreEvent } from '@zonemesh/store';
import { isCopyFromZone, isForwardedToZones, isGlobalOriginType, zoneOf } from '../kind-routing.js';
import { globalKey } from '../kv-keys.js';
import type { KvMirror } from '../kv-mirror.js';
import type { StoreFollowerHandlers } from '../store-follower.js';
import { encodeResourceMessage } from '../wire-format.js';

/** Whether a Zone resource disables its zone (`spec.enabled: false`). */
export function isZoneDisabled(zone: Resource): boolean {
  const spec = zone.spec as { enabled?: unknown } | null;
  return spec?.enabled === false;
}

/** The Zone resources global's store holds, as the projection last saw them. */
export interface KnownZones {
  /** Zone name -> disabled. */
  readonly zones: ReadonlyMap<string, boolean>;
}

/** Feeds a mirror of `zm-global` from global's store. */
export class GlobalProjection implements StoreFollowerHandlers, KnownZones {
  readonly #mirror: KvMirror;
  readonly #onZoneRemoved: (zone: string) => void;
  /** Global-origin resources: key -> message. */
  readonly #global = new Map<string, string>();
  /** Forwarded ingresses: key -> zone and message. */
  readonly #ingresses = new Map<string, { readonly zone: string; readonly message: string }>();
  readonly #zones = new Map<string, boolean>();

  constructor(mirror: KvMirror, onZoneRemoved: (zone: string) => void) {
    this.#mirror = mirror;
    this.#onZoneRemoved = onZoneRemoved;
  }

  get zones(): ReadonlyMap<string, boolean> {
    return this.#zones;
  }

  reset(resources: readonly Resource[]): void {
    this.#global.clear();
    this.#ingresses.clear();
    this.#zones.clear();
    for (const resource of resources) this.#put(resource);
    const desired = new Map(this.#global);
    for (const [key, ingress] of this.#ingresses) {
      if (this.#zones.get(ingress.zone) !== true) desired.set(key, ingress.message);
    }
    this.#mirror.replaceAll(desired);
  }

  change(event: StoreEvent): void {
    const resource = event.resource;
    const key = globalKey(keyOf(resource));
    if (event.type !== 'delete') {
      const wasDisabled = this.#zones.get(resource.meta.name);
      this.#put(resource);
      if (isGlobalOriginType(resource.type)) this.#mirror.set(key, this.#global.get(key));
      const ingress = this.#ingresses.get(key);
      if (ingress !== undefined)
        this.#mirror.set(key, this.#zones.get(ingress.zone) === true ? undefined : ingress.message);
      if (resource.type === 'Zone' && wasDisabled !== this.#zones.get(resource.meta.name)) {
        this.#republishZone(resource.meta.name);
      }
      return;
    }
    if (isGlobalOriginType(resource.type)) {
      this.#global.delete(key);
      this.#mirror.set(key, undefined);
      if (resource.type === 'Zone') {
        this.#zones.delete(resource.meta.name);
        this.#republishZone(resource.meta.name);
        this.#onZoneRemoved(resource.meta.name);
      }
    } else if (this.#ingresses.delete(key)) {
      this.#mirror.set(key, undefined);
    }
  }

  #put(resource: Resource): void {
    const key = globalKey(keyOf(resource));
    if (isGlobalOriginType(resource.type)) {
      this.#global.set(key, encodeResourceMessage(resource, resource.meta.labels));
      if (resource.type === 'Zone') this.#zones.set(resource.meta.name, isZoneDisabled(resource));
      return;
    }
    const zone = zoneOf(resource);
    if (isForwardedToZones(resource.type) && isCopyFromZone(resource) && zone !== undefined) {
      this.#ingresses.set(key, { zone, message: encodeResourceMessage(resource, resource.meta.labels) });
    }
  }

  /** After a zone was enabled or disabled: publish or withdraw its ingresses. */
  #republishZone(zone: string): void {
    const withheld = this.#zones.get(zone) === true;
    for (const [key, ingress] of this.#ingresses) {
      if (ingress.zone === zone) this.#mirror.set(key, withheld ? undefined : ingress.message);
    }
  }
}
