/**
 * From a decoded YAML/JSON object (Universal or Kubernetes form) to a validated NewResource, and
 * validation of resources built in code. Every problem is reported, each with Kuma's field path.
 */
import { type FieldError, MeshError, type MeshErrorCode } from './errors.js';
import { FieldPath, Violations } from './field-path.js';
import { descriptorFor } from './kind-registry.js';
import { kubernetesApiVersion, readKubernetes } from './kubernetes-form.js';
import { type RawResource, checkMeshName, checkName, readEnvelope } from './resource-meta.js';
import { type NewResource, isMeshScoped, isResourceType, resourceTypes } from './resource.js';
import { readUniversal } from './universal-form.js';

/** Max bytes of one document (512 KiB). */
export const maxDocumentBytes = 512 * 1024;

/** What became of one object: the resource, or the problems and how to refuse it. */
export interface ResourceInspection {
  readonly type?: string;
  readonly name?: string;
  readonly resource?: NewResource;
  readonly errors: readonly FieldError[];
  /** Set when `errors` is not empty. */
  readonly code?: Extract<MeshErrorCode, 'InvalidInput' | 'UnsupportedKind' | 'TooLarge'>;
}

/** The sentence naming the supported kinds, used wherever a kind is refused. */
export function unsupportedKindMessage(kind: string): string {
  return `kind ${JSON.stringify(kind)} is not supported; supported kinds: ${resourceTypes.join(', ')}`;
}

/** Size of a text in UTF-8 bytes, without allocating it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The "over the limit" sentence for a document of `bytes` bytes. */
export function tooLargeMessage(bytes: number): string {
  return `document is ${Math.ceil(bytes / 1024)} KiB, over the limit of ${maxDocumentBytes / 1024} KiB`;
}

function refuse(
  code: NonNullable<ResourceInspection['code']>,
  errors: FieldError[],
  known: { type?: string; name?: string },
): ResourceInspection {
  return { ...known, errors, code };
}

/** Decodes and validates one object; never throws on bad input. */
export function inspectResource(value: unknown): ResourceInspection {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse(
      'InvalidInput',
      [{ field: '', message: 'a resource must be an object (a YAML or JSON map)' }],
      {},
    );
  }
  const doc = value as Record<string, unknown>;
  const kubernetes = !('type' in doc) && ('kind' in doc || 'apiVersion' in doc);
  const typeField = kubernetes ? 'kind' : 'type';
  const writtenType = doc[typeField];
  const metadata =
    kubernetes && typeof doc.metadata === 'object' && doc.metadata !== null ? doc.metadata : undefined;
  const writtenName = kubernetes ? (metadata as Record<string, unknown> | undefined)?.name : doc.name;
  const known = {
    ...(typeof writtenType === 'string' ? { type: writtenType } : {}),
    ...(typeof writtenName === 'string' ? { name: writtenName } : {}),
  };

  let serialized: string;
  try {
    serialized = JSON.stringify(value);
  } catch {
    return refuse('InvalidInput', [{ field: '', message: 'a resource must be plain JSON data' }], known);
  }
  const bytes = utf8Length(serialized);
  if (bytes > maxDocumentBytes)
    return refuse('TooLarge', [{ field: '', message: tooLargeMessage(bytes) }], known);

  if (writtenType === undefined || writtenType === null || writtenType === '') {
    return refuse('InvalidInput', [{ field: typeField, message: 'cannot be empty' }], known);
  }
  if (typeof writtenType !== 'string') {
    return refuse('InvalidInput', [{ field: typeField, message: 'must be a string' }], known);
  }
  if (!isResourceType(writtenType)) {
    return refuse(
      'UnsupportedKind',
      [{ field: typeField, message: unsupportedKindMessage(writtenType) }],
      known,
    );
  }
  if (kubernetes && doc.apiVersion !== kubernetesApiVersion) {
    return refuse(
      'InvalidInput',
      [{ field: 'apiVersion', message: `must be ${kubernetesApiVersion}` }],
      known,
    );
  }
  if (kubernetes && doc.metadata !== undefined && metadata === undefined) {
    return refuse('InvalidInput', [{ field: 'metadata', message: 'must be an object' }], known);
  }

  const raw: RawResource = kubernetes ? readKubernetes(writtenType, doc) : readUniversal(writtenType, doc);
  const out = new Violations();
  const envelope = readEnvelope(raw, out);
  const checked = descriptorFor(writtenType).validate(raw.spec);
  if (!checked.ok) out.addAll(checked.errors);
  if (!out.isEmpty || !checked.ok) return refuse('InvalidInput', out.toList(), known);
  return {
    ...known,
    resource: { type: writtenType, meta: envelope, spec: checked.spec },
    errors: [],
  };
}

/**
 * Decodes and validates one Universal-or-Kubernetes object; throws MeshError (`InvalidInput` with
 * causes, `UnsupportedKind` naming the supported kinds, `TooLarge`).
 */
export function decodeResource(value: unknown): NewResource {
  const inspection = inspectResource(value);
  if (inspection.resource !== undefined) return inspection.resource;
  const code = inspection.code ?? 'InvalidInput';
  const first = inspection.errors[0]?.message ?? 'invalid resource';
  const what =
    inspection.type === undefined
      ? 'resource'
      : `${inspection.type}${inspection.name === undefined ? '' : ` "${inspection.name}"`}`;
  const message =
    code === 'InvalidInput'
      ? `${what} is invalid: ${inspection.errors.length} problem${inspection.errors.length === 1 ? '' : 's'} found`
      : first;
  throw new MeshError(code, message, { causes: inspection.errors });
}

/** Validates a resource's spec and meta with Kuma's rules; [] when valid. */
export function validateResource(resource: NewResource): FieldError[] {
  if (!isResourceType(resource.type))
    return [{ field: 'type', message: unsupportedKindMessage(String(resource.type)) }];
  const out = new Violations();
  checkName(FieldPath.at('name'), resource.meta.name, out);
  if (isMeshScoped(resource.type)) checkMeshName(FieldPath.at('mesh'), resource.meta.mesh ?? '', out);
  const checked = descriptorFor(resource.type).validate(resource.spec);
  if (!checked.ok) out.addAll(checked.errors);
  return out.toList();
}
