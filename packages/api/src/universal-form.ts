/**
 * Kuma's Universal form: `{type, name, mesh?, creationTime?, modificationTime?, labels?, ...}` with
 * the spec's fields inline (old-style policies, Mesh, Dataplane, ZoneIngress, Zone) or under
 * `spec:` (targetRef policies).
 */
import { descriptorFor } from './kind-registry.js';
import type { RawResource } from './resource-meta.js';
import type { NewResource, Resource, ResourceType } from './resource.js';

const envelopeKeys = new Set(['type', 'name', 'mesh', 'labels', 'creationTime', 'modificationTime']);

/**
 * Universal form of a resource: `{type, name, mesh?, creationTime?, modificationTime?, labels?, ...spec}`
 * (inline kinds) or `{type, name, mesh?, ..., spec}` (targetRef kinds). The spec is copied.
 */
export function toUniversal(resource: Resource | NewResource): Record<string, unknown> {
  const meta: NewResource['meta'] & Partial<Resource['meta']> = resource.meta;
  const out: Record<string, unknown> = { type: resource.type };
  if (meta.mesh !== undefined) out.mesh = meta.mesh;
  out.name = meta.name;
  if (meta.creationTime !== undefined) out.creationTime = meta.creationTime;
  if (meta.modificationTime !== undefined) out.modificationTime = meta.modificationTime;
  if (meta.labels !== undefined) out.labels = { ...meta.labels };
  const spec = structuredClone(resource.spec ?? {});
  if (descriptorFor(resource.type).universalLayout === 'nested') {
    out.spec = spec;
  } else if (typeof spec === 'object' && spec !== null) {
    for (const [key, value] of Object.entries(spec)) if (!envelopeKeys.has(key)) out[key] = value;
  }
  return out;
}

/** Reads a Universal document of a supported kind; nothing is validated yet. */
export function readUniversal(type: ResourceType, doc: Readonly<Record<string, unknown>>): RawResource {
  let spec: unknown;
  if (descriptorFor(type).universalLayout === 'nested') {
    spec = doc.spec ?? {};
  } else {
    const inline: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(doc)) if (!envelopeKeys.has(key)) inline[key] = value;
    spec = inline;
  }
  return {
    type,
    name: doc.name,
    mesh: doc.mesh,
    labels: doc.labels,
    creationTime: doc.creationTime,
    spec,
  };
}
