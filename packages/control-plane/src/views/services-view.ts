/**
 * `GET /meshes/{mesh}/services` (zonemesh extension): every service of a mesh with the zones it
 * runs in, its instances and healthy instances per zone, and the zone ingresses that offer it.
 * Counts come from the Dataplanes this control plane holds (global: every zone's; a zone: its
 * own) and, for zones whose Dataplanes it does not hold, from their ZoneIngress
 * `availableServices` (which only lists healthy instances).
 */
import {
  Labels,
  type DataplaneStatus,
  type ServiceIngress,
  type ServiceSummary,
  type ServiceZone,
  Tags,
  ZoneIngressSpecSchema,
  type Resource,
} from '@zonemesh/api';
import type { ZoneContext } from './dataplane-status.js';

interface Tally {
  instances: number;
  healthy: number;
}

/** Builds the services of `mesh`, sorted by name. Pure: the caller reads the store. */
export function summarizeServices(input: {
  readonly mesh: string;
  readonly dataplanes: readonly DataplaneStatus[];
  readonly ingresses: readonly Resource[];
  readonly context: ZoneContext;
}): ServiceSummary[] {
  const byDataplanes = new Map<string, Map<string, Tally>>();
  const protocols = new Map<string, Set<string>>();
  for (const dataplane of input.dataplanes) {
    for (const inbound of dataplane.inbounds) {
      if (inbound.service === '') continue;
      const zones = getOrAdd(byDataplanes, inbound.service, () => new Map<string, Tally>());
      const tally = getOrAdd(zones, dataplane.zone, () => ({ instances: 0, healthy: 0 }));
      tally.instances++;
      if (inbound.healthy) tally.healthy++;
      getOrAdd(protocols, inbound.service, () => new Set()).add(inbound.tags[Tags.protocol] ?? 'tcp');
    }
  }

  const offered = new Map<string, ServiceIngress[]>();
  for (const resource of input.ingresses) {
    const parsed = ZoneIngressSpecSchema.safeParse(resource.spec);
    if (!parsed.success) continue;
    const spec = parsed.data;
    const zone = spec.zone ?? resource.meta.labels[Labels.zone] ?? input.context.localZone ?? 'local';
    const networking = spec.networking ?? {};
    for (const available of spec.availableServices ?? []) {
      const service = available.tags?.[Tags.service];
      if (service === undefined || (available.mesh ?? 'default') !== input.mesh) continue;
      const list = getOrAdd(offered, service, () => []);
      const existing = list.find((ingress) => ingress.name === resource.meta.name);
      const instances = available.instances ?? 0;
      if (existing !== undefined) {
        // One entry per tag set: an ingress lists `backend{version=v1}` and `{version=v2}` apart.
        list[list.indexOf(existing)] = { ...existing, instances: existing.instances + instances };
        continue;
      }
      list.push({
        name: resource.meta.name,
        zone,
        ...(networking.advertisedAddress ? { address: networking.advertisedAddress } : {}),
        ...(networking.advertisedPort ? { port: networking.advertisedPort } : {}),
        instances,
      });
    }
  }

  const names = new Set([...byDataplanes.keys(), ...offered.keys()]);
  return [...names].sort(compareText).map((name) => {
    const zones = new Map<string, ServiceZone>();
    for (const [zone, tally] of byDataplanes.get(name) ?? []) {
      zones.set(zone, { zone, ...tally, source: 'dataplanes' });
    }
    const ingresses = (offered.get(name) ?? []).sort(
      (a, b) => compareText(a.zone, b.zone) || compareText(a.name, b.name),
    );
    for (const ingress of ingresses) {
      const known = zones.get(ingress.zone);
      if (known === undefined) {
        zones.set(ingress.zone, {
          zone: ingress.zone,
          instances: ingress.instances,
          healthy: ingress.instances,
          source: 'ingress',
        });
      } else if (known.source === 'ingress' && ingress.instances > known.instances) {
        // Replicas of a zone's ingress publish the same services: take the largest, never the sum.
        zones.set(ingress.zone, { ...known, instances: ingress.instances, healthy: ingress.instances });
      }
    }
    const sortedZones = [...zones.values()].sort((a, b) => compareText(a.zone, b.zone));
    const protocolSet = protocols.get(name);
    const protocol = protocolSet?.size === 1 ? [...protocolSet][0] : undefined;
    return {
      name,
      mesh: input.mesh,
      ...(protocol === undefined ? {} : { protocol }),
      zones: sortedZones,
      instances: sortedZones.reduce((sum, zone) => sum + zone.instances, 0),
      healthy: sortedZones.reduce((sum, zone) => sum + zone.healthy, 0),
      ingresses,
    };
  });
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
