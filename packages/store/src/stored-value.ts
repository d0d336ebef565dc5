/**
 * The Redis backend's stored form of a resource, and a decoder that reuses what it decoded
 * before. A stored value is `<version>\n<creationTime>\n<modificationTime>\n<body JSON>`: the
 * write script reads only the first lines, so Lua never re-encodes a spec (cjson would turn `[]`
 * into `{}`).
 */
import { isResourceType, MeshError, type NewResource, type Resource, type ResourceType } from '@zonemesh/api';
import { deepFreeze } from './deep-freeze.js';

/** What a stored value holds besides the store-set version and timestamps. */
interface StoredBody {
  readonly type: ResourceType;
  readonly name: string;
  readonly mesh?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: unknown;
}

/** The body JSON of a resource about to be written. */
export function encodeBody(resource: NewResource): string {
  const body: StoredBody = {
    type: resource.type,
    name: resource.meta.name,
    ...(resource.meta.mesh === undefined ? {} : { mesh: resource.meta.mesh }),
    labels: resource.meta.labels ?? {},
    spec: resource.spec,
  };
  return JSON.stringify(body);
}

/** The stored value the write script builds from the same parts. */
export function storedValue(
  version: string,
  creationTime: string,
  modificationTime: string,
  body: string,
): string {
  return `${version}\n${creationTime}\n${modificationTime}\n${body}`;
}

/** Something read from Redis that is not what this store writes. */
export function corrupt(what: string, value: unknown, cause?: unknown): MeshError {
  const shown = JSON.stringify(value)?.slice(0, 200) ?? String(value);
  return new MeshError('Internal', `unexpected ${what} from Redis: ${shown}`, { cause });
}

function decode(value: string): Resource {
  const versionEnd = value.indexOf('\n');
  const creationEnd = value.indexOf('\n', versionEnd + 1);
  const modificationEnd = value.indexOf('\n', creationEnd + 1);
  if (versionEnd < 1 || creationEnd < 0 || modificationEnd < 0) throw corrupt('stored value', value);
  let body: StoredBody;
  try {
    body = JSON.parse(value.slice(modificationEnd + 1)) as StoredBody;
  } catch (err) {
    throw corrupt('stored value', value, err);
  }
  if (!isResourceType(body.type) || typeof body.name !== 'string' || typeof body.labels !== 'object') {
    throw corrupt('stored value', value);
  }
  return deepFreeze({
    type: body.type,
    meta: {
      name: body.name,
      ...(body.mesh === undefined ? {} : { mesh: body.mesh }),
      labels: body.labels,
      creationTime: value.slice(versionEnd + 1, creationEnd),
      modificationTime: value.slice(creationEnd + 1, modificationEnd),
      version: value.slice(0, versionEnd),
    },
    spec: body.spec,
  });
}

/**
 * Decodes stored values into frozen resources, reusing the resource decoded from an identical
 * value before (most reads return values that have not changed since the last read). Entries
 * are keyed by version and checked against the whole value, so a Redis that lost its data and
 * reuses revision numbers cannot make it return a stale resource. At most `limit` entries, the
 * oldest dropped first.
 */
export class StoredValueDecoder {
  readonly #limit: number;
  readonly #entries = new Map<string, { readonly value: string; readonly resource: Resource }>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  decode(value: string): Resource {
    const version = value.slice(0, value.indexOf('\n'));
    const cached = this.#entries.get(version);
    if (cached !== undefined && cached.value === value) return cached.resource;
    const resource = decode(value);
    this.#remember(version, value, resource);
    return resource;
  }

  #remember(version: string, value: string, resource: Resource): void {
    if (this.#limit === 0) return;
    this.#entries.delete(version);
    this.#entries.set(version, { value, resource });
    if (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }
}
