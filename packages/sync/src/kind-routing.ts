/**
 * Which kinds travel in which direction (the kind descriptors' `sync` field), and how sync marks
 * the copies it writes.
 */
import {
  descriptorFor,
  Labels,
  type Resource,
  type ResourceType,
  resourceTypes,
  type SyncDirection,
} from '@zonemesh/api';

/** How a kind travels, as its descriptor in `@zonemesh/api` says. */
function directionOf(type: ResourceType): SyncDirection {
  return descriptorFor(type).sync;
}

/** Label keys sync sets on the copies it writes. */
export const SyncLabels = {
  origin: Labels.origin,
  zone: Labels.zone,
  displayName: 'kuma.io/display-name',
} as const;

/** Every kind sync carries. */
export const syncedTypes: readonly ResourceType[] = resourceTypes.filter(
  (type) => directionOf(type) !== 'none',
);

/** Written on global and copied to every zone (Mesh, the policy kinds, Zone). */
export function isGlobalOriginType(type: ResourceType): boolean {
  return directionOf(type) === 'global-to-zones';
}

/** Written in a zone and copied to global (Dataplane, ZoneIngress). */
export function isZoneOriginType(type: ResourceType): boolean {
  const direction = directionOf(type);
  return direction === 'zone-to-global' || direction === 'zone-to-global-to-zones';
}

/** Zone kinds global forwards on to every other zone (ZoneIngress). */
export function isForwardedToZones(type: ResourceType): boolean {
  return directionOf(type) === 'zone-to-global-to-zones';
}

/** The zone a zone-origin copy came from (its `kuma.io/zone` label), if any. */
export function zoneOf(resource: Resource): string | undefined {
  return resource.meta.labels[SyncLabels.zone];
}

/**
 * Whether a resource in `zone`'s store is a zone's own resource that the zone publishes: a
 * zone-origin kind that is not a copy of another zone's resource.
 */
export function isOwnZoneResource(resource: Resource, zone: string): boolean {
  if (!isZoneOriginType(resource.type)) return false;
  if (resource.meta.labels[SyncLabels.origin] === 'global') return false;
  const from = zoneOf(resource);
  return from === undefined || from === zone;
}

/**
 * Whether a resource in `zone`'s store is a copy sync wrote from global: a global-origin kind
 * marked `kuma.io/origin: global`, or another zone's forwarded zone ingress. Only such copies are
 * ever deleted by a snapshot.
 */
export function isCopyFromGlobal(resource: Resource, zone: string): boolean {
  if (isGlobalOriginType(resource.type)) return resource.meta.labels[SyncLabels.origin] === 'global';
  if (!isForwardedToZones(resource.type)) return false;
  const from = zoneOf(resource);
  return resource.meta.labels[SyncLabels.origin] === 'zone' && from !== undefined && from !== zone;
}

/** Whether a resource in global's store is a copy of a zone's resource (written by sync). */
export function isCopyFromZone(resource: Resource): boolean {
  return (
    isZoneOriginType(resource.type) &&
    resource.meta.labels[SyncLabels.origin] === 'zone' &&
    zoneOf(resource) !== undefined
  );
}
