/**
 * What the dataplane server writes to the zone's store (straight to the store, not through the
 * REST API): the proxies' Dataplanes and ZoneIngresses as they register, their inbounds' health
 * as the sidecars report it, and the ZoneIngresses' `availableServices`, which this control plane
 * alone maintains. Every write is a read-modify-write retried on a version conflict, and a write
 * that would change nothing is not made (so it neither wakes watchers nor travels to global).
 */
import {
  type AvailableService,
  type DataplaneSpec,
  decodeResource,
  type DpProxyKind,
  type HealthReport,
  isMeshError,
  Labels,
  MeshError,
  type NewResource,
  type Resource,
  Tags,
  type ZoneIngressSpec,
} from '@zonemesh/api';
import type { ResourceStore } from '@zonemesh/store';
import { proxyOnlineLabel } from '../views/dataplane-status.js';

const conflictRetries = 5;

/**
 * Validates a registering proxy's resource and creates or updates it. A Dataplane gets the tag
 * `kuma.io/zone: <zone>` on every inbound (as Kuma adds it) and keeps the health its inbounds
 * last reported; a ZoneIngress gets `zone` and keeps the `availableServices` the control plane
 * maintains (or `initialServices` when new). Both get the labels `kuma.io/origin: zone` and
 * `kuma.io/zone: <zone>`. Throws `InvalidInput` naming the fields of an invalid resource, or
 * `Unavailable` when the Dataplane's mesh is not (yet) known in this zone, or what `authorize`
 * throws.
 */
export async function registerProxy(options: {
  readonly store: ResourceStore;
  readonly zone: string;
  readonly kind: DpProxyKind;
  readonly resource: unknown;
  readonly initialServices: () => readonly AvailableService[];
  /** Throws unless the caller may register this resource; runs before anything is written. */
  readonly authorize: (resource: NewResource) => Promise<void>;
}): Promise<Resource> {
  const { store, zone, kind } = options;
  const decoded = decodeResource(options.resource);
  if (decoded.type !== kind) {
    throw new MeshError('InvalidInput', `registered as ${kind} but the resource is a ${decoded.type}`, {
      causes: [{ field: 'kind', message: `must match the resource type ${decoded.type}` }],
    });
  }
  await options.authorize(decoded);
  if (kind === 'Dataplane') {
    const mesh = decoded.meta.mesh ?? '';
    if ((await store.get({ type: 'Mesh', name: mesh })) === undefined) {
      throw new MeshError(
        'Unavailable',
        `mesh ${mesh} does not exist in zone ${zone} (yet): create it (on global when federated) and retry`,
      );
    }
  }
  const written = await readModifyWrite(store, decoded, (existing) => {
    const labels = {
      ...existing?.meta.labels,
      ...decoded.meta.labels,
      [Labels.origin]: 'zone',
      [Labels.zone]: zone,
    };
    const spec =
      kind === 'Dataplane'
        ? dataplaneSpec(decoded.spec as DataplaneSpec, existing?.spec as DataplaneSpec | undefined, zone)
        : {
            ...(decoded.spec as ZoneIngressSpec),
            zone,
            availableServices: [
              ...((existing?.spec as ZoneIngressSpec | undefined)?.availableServices ??
                options.initialServices()),
            ],
          };
    // A proxy re-registers on every reconnect: an identical resource is not written again.
    if (existing !== undefined && sameContent(existing, labels, spec)) return undefined;
    return { type: decoded.type, meta: { ...decoded.meta, labels }, spec };
  });
  if (written === undefined) throw new MeshError('Internal', `${kind} ${decoded.meta.name} was not written`);
  return written;
}

function dataplaneSpec(
  spec: DataplaneSpec,
  existing: DataplaneSpec | undefined,
  zone: string,
): DataplaneSpec {
  const networking = spec.networking;
  if (networking === undefined) return spec;
  const reported = new Map(
    (existing?.networking?.inbound ?? []).map((inbound) => [inbound.port, inbound.health]),
  );
  return {
    ...spec,
    networking: {
      ...networking,
      inbound: (networking.inbound ?? []).map((inbound) => {
        const health = inbound.health ?? reported.get(inbound.port);
        return {
          ...inbound,
          tags: { ...inbound.tags, [Tags.zone]: zone },
          ...(health === undefined ? {} : { health }),
        };
      }),
    },
  };
}

/**
 * Records a sidecar's probe results on its Dataplane's inbounds (`health.ready`). Returns whether
 * anything changed. Throws `NotFound` for an unregistered Dataplane and `InvalidInput` naming
 * `inbounds[i].port` for a port none of its inbounds listens on.
 */
export async function recordHealth(store: ResourceStore, report: HealthReport): Promise<boolean> {
  const key = { type: 'Dataplane' as const, mesh: report.mesh, name: report.name };
  let changed = false;
  await readModifyWrite(
    store,
    { type: 'Dataplane', meta: { name: report.name, mesh: report.mesh }, spec: {} },
    (existing) => {
      if (existing === undefined) {
        throw new MeshError('NotFound', `Dataplane ${report.mesh}/${report.name} is not registered`);
      }
      const spec = existing.spec as DataplaneSpec;
      const inbounds = spec.networking?.inbound ?? [];
      const causes = report.inbounds.flatMap((entry, i) =>
        inbounds.some((inbound) => inbound.port === entry.port)
          ? []
          : [
              {
                field: `inbounds[${i}].port`,
                message: `no inbound of ${report.name} listens on port ${entry.port}`,
              },
            ],
      );
      if (causes.length > 0)
        throw new MeshError('InvalidInput', 'health report names unknown inbounds', { causes });
      const healthByPort = new Map(report.inbounds.map((entry) => [entry.port, entry.healthy]));
      changed = inbounds.some((inbound) => {
        const healthy = inbound.port === undefined ? undefined : healthByPort.get(inbound.port);
        return healthy !== undefined && (inbound.health?.ready ?? true) !== healthy;
      });
      if (!changed) return undefined;
      return {
        type: 'Dataplane',
        meta: metaOf(existing),
        spec: {
          ...spec,
          networking: {
            ...spec.networking,
            inbound: inbounds.map((inbound) => {
              const healthy = inbound.port === undefined ? undefined : healthByPort.get(inbound.port);
              return healthy === undefined ? inbound : { ...inbound, health: { ready: healthy } };
            }),
          },
        },
      };
    },
    key,
  );
  return changed;
}

/**
 * Keeps the `zonemesh.io/online` label of a Dataplane in step with its proxy's config stream
 * (`"true"` while open, `"false"` once closed). Being a label it syncs to global, where the views
 * (GUI, `zmctl inspect`) show it. Returns whether it wrote; a Dataplane deleted meanwhile is left alone.
 */
export async function recordPresence(
  store: ResourceStore,
  ref: { readonly mesh: string; readonly name: string },
  online: boolean,
): Promise<boolean> {
  let wrote = false;
  const value = online ? 'true' : 'false';
  await readModifyWrite(
    store,
    { type: 'Dataplane', meta: { name: ref.name, mesh: ref.mesh }, spec: {} },
    (existing) => {
      if (existing === undefined || existing.meta.labels[proxyOnlineLabel] === value) return undefined;
      wrote = true;
      return {
        type: 'Dataplane',
        meta: { ...metaOf(existing), labels: { ...existing.meta.labels, [proxyOnlineLabel]: value } },
        spec: existing.spec,
      };
    },
  );
  return wrote;
}

/**
 * Sets `availableServices` on one local ZoneIngress when it differs. Returns whether it wrote.
 * A ZoneIngress deleted meanwhile is left alone.
 */
export async function publishAvailableServices(
  store: ResourceStore,
  name: string,
  services: readonly AvailableService[],
): Promise<boolean> {
  let wrote = false;
  await readModifyWrite(store, { type: 'ZoneIngress', meta: { name }, spec: {} }, (existing) => {
    if (existing === undefined) return undefined;
    const spec = existing.spec as ZoneIngressSpec;
    if (JSON.stringify(spec.availableServices ?? []) === JSON.stringify(services)) return undefined;
    wrote = true;
    return {
      type: 'ZoneIngress',
      meta: metaOf(existing),
      spec: { ...spec, availableServices: [...services] },
    };
  });
  return wrote;
}

/**
 * Reads the current resource, asks `change` for the new one (undefined: write nothing) and writes
 * it with the read version; on a conflict, reads again. Returns what the store holds afterwards
 * (undefined when nothing was written and nothing exists).
 */
async function readModifyWrite(
  store: ResourceStore,
  target: NewResource,
  change: (existing: Resource | undefined) => NewResource | undefined,
  key = {
    type: target.type,
    name: target.meta.name,
    ...(target.meta.mesh === undefined ? {} : { mesh: target.meta.mesh }),
  },
): Promise<Resource | undefined> {
  for (let attempt = 0; ; attempt++) {
    const existing = await store.get(key);
    const next = change(existing);
    if (next === undefined) return existing;
    try {
      if (existing === undefined) return await store.create(next);
      return await store.update(next, { version: existing.meta.version });
    } catch (err) {
      const retry =
        isMeshError(err, 'Conflict') ||
        isMeshError(err, 'AlreadyExists') ||
        (isMeshError(err, 'NotFound') && existing !== undefined);
      if (!retry || attempt >= conflictRetries) throw err;
    }
  }
}

function metaOf(resource: Resource): NewResource['meta'] {
  return {
    name: resource.meta.name,
    ...(resource.meta.mesh === undefined ? {} : { mesh: resource.meta.mesh }),
    labels: resource.meta.labels,
    creationTime: resource.meta.creationTime,
  };
}

function sameContent(existing: Resource, labels: Readonly<Record<string, string>>, spec: unknown): boolean {
  return (
    canonical(existing.meta.labels) === canonical(labels) && canonical(existing.spec) === canonical(spec)
  );
}

/** JSON with object keys sorted at every level and `undefined` members dropped. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, entry: unknown) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return entry;
    return Object.fromEntries(Object.entries(entry).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}
