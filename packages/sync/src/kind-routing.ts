/**
 * Which kinds travel in which direction, and how sync marks the copies it writes. The table is
 * keyed by every `ResourceType`, so a new kind fails to compile until its direction is decided.
 */
import { Labels, type Resource, type ResourceType, type SyncDirection } from '@zonemesh/api';

const directions: { readonly [T in ResourceType]: SyncDirection } = {
  Mesh: 'global-to-zones',
  TrafficPermission: 'global-to-zones',
  HealthCheck: 'global-to-zones',
  TrafficRoute: 'global-to-zones',
  MeshTrafficPermission: 'global-to-zones',
  MeshHealthCheck: 'global-to-zones',
  Zone: 'global-to-zones',
  Dataplane: 'zone-to-global',
  ZoneIngress: 'zone-to-global-to-zones',
};

/** Label keys sync sets on the copies it writes. */
export const SyncLabels = {
  origin: Labels.origin,
  zone: Labels.zone,
  displayName: 'kuma.io/display-name',
} as const;

/** Every kind sync carries. */
export const syncedTypes: readonly ResourceType[] = Object.keys(directions) as ResourceType[];

/** Written on global and copied to every zone (Mesh, the policy kinds, Zone). */
export function isGlobalOriginType(type: ResourceType): boolean {
  return directions[type] === 'global-to-zones';
}

/** Written in a zone and copied to global (Dataplane, ZoneIngress). */
export function isZoneOriginType(type: ResourceType): boolean {
  return directions[type] === 'zone-to-global' || directions[type] === 'zone-to-global-to-zones';
}

/** Zone kinds global forwards on to every other zone (ZoneIngress). */
export function isForwardedToZones(type: ResourceType): boolean {
  return directions[type] === 'zone-to-global-to-zones';
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
