/**
 * The `--dataplane-file`: a Kuma Universal Dataplane (YAML or JSON), a template whose
 * `{{ name }}` placeholders `--dataplane-var name=value` fill in, as kuma-dp does.
 */
import { readFile } from 'node:fs/promises';
import { type DataplaneSpec, decodeDocuments, MeshError, type NewResource, toUniversal } from '@zonemesh/api';

/** The Dataplane this sidecar serves, validated. */
export interface DataplaneFile {
  readonly resource: NewResource<DataplaneSpec>;
  /** The Universal form sent with the registration. */
  readonly universal: Record<string, unknown>;
  readonly mesh: string;
  readonly name: string;
}

const placeholder = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/**
 * Replaces every `{{ name }}` with its value. Throws `InvalidInput` naming every placeholder that
 * has no value (kuma-dp would silently write an empty string, which only fails later and worse).
 */
export function fillTemplate(text: string, vars: Readonly<Record<string, string>>): string {
  const missing = new Set<string>();
  const filled = text.replace(placeholder, (whole, name: string) => {
    const value = vars[name];
    if (value === undefined) missing.add(name);
    return value ?? whole;
  });
  if (missing.size > 0) {
    throw new MeshError('InvalidInput', 'dataplane file has placeholders without a value', {
      causes: [...missing].map((name) => ({
        field: `{{ ${name} }}`,
        message: `no value: pass --dataplane-var ${name}=VALUE`,
      })),
    });
  }
  return filled;
}

/**
 * Parses and validates the text of a dataplane file: exactly one document, a valid Dataplane.
 * Throws `InvalidInput` (causes name the fields, with Kuma's paths) otherwise.
 */
export function parseDataplaneFile(text: string, vars: Readonly<Record<string, string>> = {}): DataplaneFile {
  const documents = decodeDocuments(fillTemplate(text, vars));
  if (documents.length !== 1) {
    throw new MeshError(
      'InvalidInput',
      `dataplane file must hold one resource, it holds ${documents.length}`,
      {
        causes: [{ field: '', message: 'must be exactly one Dataplane' }],
      },
    );
  }
  const [document] = documents;
  if (document?.resource === undefined) {
    throw new MeshError('InvalidInput', 'dataplane file is not a valid resource', {
      causes: document?.errors ?? [],
    });
  }
  if (document.resource.type !== 'Dataplane') {
    throw new MeshError('InvalidInput', `dataplane file holds a ${document.resource.type}, not a Dataplane`, {
      causes: [{ field: 'type', message: 'must be Dataplane' }],
    });
  }
  const resource = document.resource as NewResource<DataplaneSpec>;
  const inbounds = resource.spec.networking?.inbound ?? [];
  if (inbounds.length === 0) {
    throw new MeshError('InvalidInput', 'dataplane file has no inbound: a sidecar serves at least one', {
      causes: [{ field: 'networking.inbound', message: 'must have at least one inbound' }],
    });
  }
  return {
    resource,
    universal: toUniversal(resource),
    mesh: resource.meta.mesh ?? 'default',
    name: resource.meta.name,
  };
}

/** Reads `path` and parses it with {@link parseDataplaneFile}; an unreadable file is `InvalidInput` too. */
export async function readDataplaneFile(
  path: string,
  vars: Readonly<Record<string, string>> = {},
): Promise<DataplaneFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new MeshError('InvalidInput', `cannot read dataplane file ${path}`, {
      causes: [{ field: '--dataplane-file', message: (err as Error).message }],
      cause: err,
    });
  }
  return parseDataplaneFile(text, vars);
}
