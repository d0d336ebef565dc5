/**
 * The resource envelope every package passes around: a kind, its metadata and its spec (the
 * kind's own fields, as Kuma's protobuf spec has them). Codecs turn it into Kuma's Universal or
 * Kubernetes form and back; stores persist it; sync ships it.
 */

/** Every resource kind zonemesh supports. */
export const resourceTypes = [
  'Mesh',
  'Dataplane',
  'ZoneIngress',
  'Zone',
  'TrafficPermission',
  'HealthCheck',
  'TrafficRoute',
  'MeshTrafficPermission',
  'MeshHealthCheck',
] as const;

export type ResourceType = (typeof resourceTypes)[number];

export function isResourceType(value: unknown): value is ResourceType {
  return typeof value === 'string' && (resourceTypes as readonly string[]).includes(value);
}

/** Identifies one resource. `mesh` is set exactly for mesh-scoped kinds. */
export interface ResourceKey {
  readonly type: ResourceType;
  readonly name: string;
  readonly mesh?: string;
}

export interface ResourceMeta {
  readonly name: string;
  /** Set for mesh-scoped kinds, absent for global-scoped ones (Mesh, Zone, ZoneIngress). */
  readonly mesh?: string;
  /** Resource labels (`kuma.io/origin`, `kuma.io/zone`, ...). */
  readonly labels: Readonly<Record<string, string>>;
  /** RFC 3339 timestamps, set by the store. */
  readonly creationTime: string;
  readonly modificationTime: string;
  /** Opaque optimistic-concurrency version, set by the store; changes on every write. */
  readonly version: string;
}

/** A stored resource. `spec` is validated against the kind's schema before it reaches a store. */
export interface Resource<S = unknown> {
  readonly type: ResourceType;
  readonly meta: ResourceMeta;
  readonly spec: S;
}

/** What a writer hands to a store: no version or timestamps yet (a given creationTime is kept). */
export interface NewResource<S = unknown> {
  readonly type: ResourceType;
  readonly meta: {
    readonly name: string;
    readonly mesh?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly creationTime?: string;
  };
  readonly spec: S;
}

/** The key of a resource or new resource. */
export function keyOf(resource: {
  readonly type: ResourceType;
  readonly meta: { readonly name: string; readonly mesh?: string };
}): ResourceKey {
  return resource.meta.mesh === undefined
    ? { type: resource.type, name: resource.meta.name }
    : { type: resource.type, name: resource.meta.name, mesh: resource.meta.mesh };
}

/** A stable string form of a key: `<type>/<mesh|_>/<name>`. */
export function formatKey(key: ResourceKey): string {
  return `${key.type}/${key.mesh ?? '_'}/${key.name}`;
}

/** Well-known tags and labels (Kuma's, plus zonemesh's own under `zonemesh.io/`). */
export const Tags = {
  service: 'kuma.io/service',
  zone: 'kuma.io/zone',
  protocol: 'kuma.io/protocol',
  mesh: 'kuma.io/mesh',
} as const;

export const Labels = {
  origin: 'kuma.io/origin',
  zone: 'kuma.io/zone',
  mesh: 'kuma.io/mesh',
} as const;

/** Kinds that live outside any mesh; every other kind is mesh-scoped. */
const globalScopedTypes: ReadonlySet<ResourceType> = new Set(['Mesh', 'Zone', 'ZoneIngress']);

/** Whether a kind is mesh-scoped (its key carries a mesh) or global-scoped. */
export function isMeshScoped(type: ResourceType): boolean {
  return !globalScopedTypes.has(type);
}
