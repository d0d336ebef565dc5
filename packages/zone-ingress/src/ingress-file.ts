/** The `--ingress-file`: a Kuma Universal ZoneIngress (YAML or JSON). */
import { readFile } from 'node:fs/promises';
import {
  decodeDocuments,
  MeshError,
  type NewResource,
  toUniversal,
  type ZoneIngressSpec,
} from '@zonemesh/api';

/** The ZoneIngress this proxy serves, validated. */
export interface IngressFile {
  readonly resource: NewResource<ZoneIngressSpec>;
  /** The Universal form sent with the registration. */
  readonly universal: Record<string, unknown>;
  readonly name: string;
  /** Where to listen: `networking.address` (default 0.0.0.0) and `networking.port`. */
  readonly address: string;
  readonly port: number;
}

/**
 * Parses and validates the text of an ingress file: exactly one document, a valid ZoneIngress
 * with `networking.port`. Throws `InvalidInput` (causes name the fields) otherwise.
 */
export function parseIngressFile(text: string): IngressFile {
  const documents = decodeDocuments(text);
  if (documents.length !== 1) {
    throw new MeshError('InvalidInput', `ingress file must hold one resource, it holds ${documents.length}`, {
      causes: [{ field: '', message: 'must be exactly one ZoneIngress' }],
    });
  }
  const [document] = documents;
  if (document?.resource === undefined) {
    throw new MeshError('InvalidInput', 'ingress file is not a valid resource', {
      causes: document?.errors ?? [],
    });
  }
  if (document.resource.type !== 'ZoneIngress') {
    throw new MeshError('InvalidInput', `ingress file holds a ${document.resource.type}, not a ZoneIngress`, {
      causes: [{ field: 'type', message: 'must be ZoneIngress' }],
    });
  }
  const resource = document.resource as NewResource<ZoneIngressSpec>;
  const port = resource.spec.networking?.port ?? 0;
  if (port === 0) {
    throw new MeshError('InvalidInput', 'ingress file does not say where to listen', {
      causes: [{ field: 'networking.port', message: 'is required' }],
    });
  }
  return {
    resource,
    universal: toUniversal(resource),
    name: resource.meta.name,
    address: resource.spec.networking?.address || '0.0.0.0',
    port,
  };
}

/** Reads `path` and parses it with {@link parseIngressFile}; an unreadable file is `InvalidInput` too. */
export async function readIngressFile(path: string): Promise<IngressFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new MeshError('InvalidInput', `cannot read ingress file ${path}`, {
      causes: [{ field: '--ingress-file', message: (err as Error).message }],
      cause: err,
    });
  }
  return parseIngressFile(text);
}
