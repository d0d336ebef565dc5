/**
 * Kuma's Kubernetes CRD form: `{apiVersion: kuma.io/v1alpha1, kind, mesh?, metadata: {name, labels},
 * spec}`. The mesh is read from top-level `mesh:` or the `kuma.io/mesh` label and, as on Kuma,
 * defaults to `default` for mesh-scoped kinds. `metadata.namespace` plays no part in the name.
 */
import type { RawResource } from './resource-meta.js';
import { Labels, type NewResource, type Resource, type ResourceType, isMeshScoped } from './resource.js';

/** The API group and version of Kuma's CRDs. */
export const kubernetesApiVersion = 'kuma.io/v1alpha1';

/** Kubernetes CRD form: `{apiVersion: 'kuma.io/v1alpha1', kind, mesh?, metadata: {name, labels}, spec}`. */
export function toKubernetes(resource: Resource | NewResource): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name: resource.meta.name };
  if (resource.meta.labels !== undefined) metadata.labels = { ...resource.meta.labels };
  if (resource.meta.creationTime !== undefined) metadata.creationTimestamp = resource.meta.creationTime;
  const out: Record<string, unknown> = { apiVersion: kubernetesApiVersion, kind: resource.type };
  if (resource.meta.mesh !== undefined) out.mesh = resource.meta.mesh;
  out.metadata = metadata;
  out.spec = structuredClone(resource.spec ?? {});
  return out;
}

/** Reads a Kubernetes-form document of a supported kind; nothing is validated yet. */
export function readKubernetes(type: ResourceType, doc: Readonly<Record<string, unknown>>): RawResource {
  const metadata =
    typeof doc.metadata === 'object' && doc.metadata !== null
      ? (doc.metadata as Record<string, unknown>)
      : {};
  const labels = metadata.labels;
  const labelMesh =
    typeof labels === 'object' && labels !== null
      ? (labels as Record<string, unknown>)[Labels.mesh]
      : undefined;
  const mesh = doc.mesh ?? labelMesh ?? (isMeshScoped(type) ? 'default' : undefined);
  return {
    type,
    name: metadata.name,
    mesh,
    labels,
    creationTime: metadata.creationTimestamp,
    spec: doc.spec ?? {},
  };
}
