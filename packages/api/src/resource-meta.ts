/**
 * The envelope of a resource as read from a document, before validation, and Kuma's rules for
 * names and meshes (`ValidateMeta`).
 */
import { FieldPath, type Violations } from './field-path.js';
import { type ResourceType, isMeshScoped } from './resource.js';

/** What a codec read from a document; every field still unchecked. */
export interface RawResource {
  readonly type: ResourceType;
  readonly name: unknown;
  readonly mesh: unknown;
  readonly labels: unknown;
  readonly creationTime: unknown;
  readonly spec: unknown;
}

const identifier = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const meshName = /^[0-9a-z-_.]*$/;
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Kuma's name rule: a lowercase RFC 1123 subdomain of at most 253 characters. */
export function checkName(path: FieldPath, name: string, out: Violations): void {
  if (name === '') out.add(path, 'cannot be empty');
  else if (name.length > 253) out.add(path, 'value length must less or equal 253');
  else if (!identifier.test(name)) {
    out.add(
      path,
      "invalid characters. A lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
    );
  }
}

/** Kuma's mesh-name rule (it still accepts `_` for meshes created by old versions). */
export function checkMeshName(path: FieldPath, mesh: string, out: Violations): void {
  if (mesh === '') out.add(path, 'cannot be empty');
  else if (mesh.length > 253) out.add(path, 'value length must less or equal 253');
  else if (!meshName.test(mesh)) {
    out.add(
      path,
      "invalid characters. Valid characters are numbers, lowercase latin letters and '-', '_', '.' symbols.",
    );
  }
}

/** The typed envelope of a valid document. */
export interface ResourceEnvelope {
  readonly name: string;
  readonly mesh?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly creationTime?: string;
}

/** Checks the envelope fields' types and Kuma's name rules; returns the typed envelope. */
export function readEnvelope(raw: RawResource, out: Violations): ResourceEnvelope {
  const name = typeof raw.name === 'string' ? raw.name : '';
  if (raw.name !== undefined && typeof raw.name !== 'string')
    out.add(FieldPath.at('name'), 'must be a string');
  else checkName(FieldPath.at('name'), name, out);

  let mesh: string | undefined;
  if (isMeshScoped(raw.type)) {
    if (raw.mesh !== undefined && typeof raw.mesh !== 'string')
      out.add(FieldPath.at('mesh'), 'must be a string');
    else {
      mesh = typeof raw.mesh === 'string' ? raw.mesh : '';
      checkMeshName(FieldPath.at('mesh'), mesh, out);
    }
  }

  let labels: Record<string, string> | undefined;
  if (raw.labels !== undefined && raw.labels !== null) {
    if (typeof raw.labels !== 'object' || Array.isArray(raw.labels)) {
      out.add(FieldPath.at('labels'), 'must be a map of strings');
    } else {
      labels = {};
      for (const [key, value] of Object.entries(raw.labels)) {
        if (typeof value === 'string') labels[key] = value;
        else out.add(FieldPath.at('labels').key(key), 'must be a string');
      }
    }
  }

  let creationTime: string | undefined;
  if (raw.creationTime !== undefined && raw.creationTime !== null) {
    if (typeof raw.creationTime === 'string' && rfc3339.test(raw.creationTime))
      creationTime = raw.creationTime;
    else out.add(FieldPath.at('creationTime'), 'must be an RFC 3339 timestamp, e.g. 2024-05-01T10:00:00Z');
  }

  return {
    name,
    ...(mesh === undefined ? {} : { mesh }),
    ...(labels === undefined ? {} : { labels }),
    ...(creationTime === undefined ? {} : { creationTime }),
  };
}
