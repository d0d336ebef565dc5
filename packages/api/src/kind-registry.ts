/** The supported kinds' descriptors and lookups by type, REST plural or CLI name. */
import type { KindDescriptor } from './descriptor.js';
import { dataplaneKind } from './kinds/dataplane.js';
import { healthCheckKind } from './kinds/health-check.js';
import { meshHealthCheckKind } from './kinds/mesh-health-check.js';
import { meshTrafficPermissionKind } from './kinds/mesh-traffic-permission.js';
import { meshKind } from './kinds/mesh.js';
import { trafficPermissionKind } from './kinds/traffic-permission.js';
import { trafficRouteKind } from './kinds/traffic-route.js';
import { zoneIngressKind } from './kinds/zone-ingress.js';
import { zoneKind } from './kinds/zone.js';
import { type ResourceType, resourceTypes } from './resource.js';

const byType: { readonly [T in ResourceType]: KindDescriptor } = {
  Mesh: meshKind,
  Dataplane: dataplaneKind,
  ZoneIngress: zoneIngressKind,
  Zone: zoneKind,
  TrafficPermission: trafficPermissionKind,
  HealthCheck: healthCheckKind,
  TrafficRoute: trafficRouteKind,
  MeshTrafficPermission: meshTrafficPermissionKind,
  MeshHealthCheck: meshHealthCheckKind,
};

/** Every supported kind's descriptor, in resourceTypes order. */
export const kindDescriptors: readonly KindDescriptor[] = resourceTypes.map((type) => byType[type]);

/** The descriptor of a kind. */
export function descriptorFor(type: ResourceType): KindDescriptor {
  return byType[type];
}

const byName = new Map<string, KindDescriptor>();
for (const descriptor of kindDescriptors) {
  for (const name of [descriptor.type, descriptor.plural, ...descriptor.cliNames]) {
    byName.set(name.toLowerCase(), descriptor);
  }
}

/**
 * Looks a kind up by type, REST plural or CLI name, case-insensitive (`traffic-permissions`,
 * `TrafficPermission`, `tp`, `dataplanes`, `zones`, ...).
 */
export function findDescriptor(name: string): KindDescriptor | undefined {
  return byName.get(name.toLowerCase());
}
