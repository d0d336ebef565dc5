/**
 * The sync wire format, version 1: canonical JSON objects, each with a `v` field
 * `"<major>.<minor>"`. Readers accept every minor version of their major (unknown fields are
 * ignored, so a newer minor may add fields and an older one lacks none that a reader needs) and
 * refuse other majors: an incompatible message is refused and reported, never misread.
 *
 * Everything read from the wire goes through {@link decodeResourceMessage},
 * {@link decodeZoneHeartbeat} or {@link decodeGlobalHeartbeat}: size limit first, then the version,
 * then the zod schema. None of them throws.
 */
import { descriptorFor, resourceTypes, type NewResource, type Resource } from '@zonemesh/api';
import { z } from 'zod';
import { isZoneName } from './kv-keys.js';

/**
 * The version this build writes. History (a minor only adds optional fields):
 * - 1.0: resources, ready markers, heartbeats.
 * - 1.1: zone heartbeats carry `held`, the counts of everything the zone's store holds.
 */
export const wireVersion = '1.1';
const wireMajor = 1;

/**
 * Largest message accepted from the wire. A resource document may be 512 KiB; the rest is room
 * for the envelope. Checked before parsing.
 */
export const maxMessageBytes = 640 * 1024;

/** Why a message was refused; also the `reason` label of the invalid-message metric. */
export type InvalidReason = 'oversized' | 'malformed' | 'incompatible' | 'mismatch';

export type Decoded<T> =
  | { readonly ok: true; readonly value: T; readonly version: string }
  | {
      readonly ok: false;
      readonly reason: InvalidReason;
      readonly detail: string;
      readonly version?: string;
    };

const VersionSchema = z.string().regex(/^\d{1,4}\.\d{1,4}$/, 'must look like <major>.<minor>');
const VersionedSchema = z.object({ v: VersionSchema });

/** The major version of `v`, e.g. 1 for "1.3". */
function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

/** Whether a peer speaking `version` can be read (same major). */
export function isCompatibleVersion(version: string): boolean {
  return VersionSchema.safeParse(version).success && majorOf(version) === wireMajor;
}

/** The line shown to operators for a peer that speaks another major version. */
export function incompatibleVersionProblem(version: string, reader: 'global' | 'zone'): string {
  return `incompatible wire format ${version} (${reader} speaks ${wireMajor}.x)`;
}

const NameSchema = z.string().min(1).max(253);
const LabelsSchema = z.record(z.string().min(1).max(317), z.string().max(63 * 1024));

/** A resource as it travels: the store's envelope without version or modification time. */
export const ResourceMessageSchema = z.object({
  v: VersionSchema,
  type: z.enum(resourceTypes),
  name: NameSchema,
  mesh: NameSchema.optional(),
  labels: LabelsSchema,
  creationTime: z.iso.datetime({ offset: true }).optional(),
  spec: z.record(z.string(), z.unknown()),
});
export type ResourceMessage = z.infer<typeof ResourceMessageSchema>;

/** What a zone tells global every heartbeat interval, on `zm.heartbeat.zone.<zone>`. */
export const ZoneHeartbeatSchema = z.object({
  v: VersionSchema,
  zone: z.string().refine(isZoneName, 'must be a DNS label'),
  sentAt: z.iso.datetime({ offset: true }),
  /** The last `zm-global` revision the zone applied to its store. */
  appliedRevision: z.number().int().nonnegative(),
  /** Counts per kind of the zone's own resources (Dataplanes, ZoneIngresses). */
  resources: z.record(z.string().max(64), z.number().int().nonnegative()),
  /**
   * Since 1.1: counts per kind of everything the zone's store holds (its own resources and the
   * copies it received). Absent from 1.0 zones.
   */
  held: z.record(z.string().max(64), z.number().int().nonnegative()).optional(),
});
export type ZoneHeartbeat = z.infer<typeof ZoneHeartbeatSchema>;

/** What global tells every zone every heartbeat interval, on `zm.heartbeat.global`. */
export const GlobalHeartbeatSchema = z.object({
  v: VersionSchema,
  sentAt: z.iso.datetime({ offset: true }),
  /** The latest `zm-global` revision global knows of. */
  revision: z.number().int().nonnegative(),
});
export type GlobalHeartbeat = z.infer<typeof GlobalHeartbeatSchema>;

/** Core NATS subjects of the heartbeats (not stored: liveness is not state). */
export const HeartbeatSubjects = {
  global: 'zm.heartbeat.global',
  zone: (zone: string): string => `zm.heartbeat.zone.${zone}`,
  allZones: 'zm.heartbeat.zone.*',
} as const;

/**
 * JSON with object keys sorted at every level, so equal content always has equal bytes: a
 * writer compares what it would write with what is stored and writes only real changes.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) sorted[key] = sortKeys(item);
    }
    return sorted;
  }
  return value;
}

/** The canonical message of a resource, with the labels given (sync adds or strips its own). */
export function encodeResourceMessage(resource: Resource, labels: Readonly<Record<string, string>>): string {
  return canonicalJson({
    v: wireVersion,
    type: resource.type,
    name: resource.meta.name,
    mesh: resource.meta.mesh,
    labels,
    creationTime: resource.meta.creationTime,
    spec: resource.spec,
  });
}

/** Encodes a heartbeat (the `v` field is added). */
export function encodeHeartbeat(heartbeat: Omit<ZoneHeartbeat, 'v'> | Omit<GlobalHeartbeat, 'v'>): string {
  return canonicalJson({ v: wireVersion, ...heartbeat });
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

function decode<T>(bytes: Uint8Array, schema: z.ZodType<T>, reader: 'global' | 'zone'): Decoded<T> {
  if (bytes.length > maxMessageBytes) {
    return { ok: false, reason: 'oversized', detail: `${bytes.length} bytes, limit ${maxMessageBytes}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(textDecoder.decode(bytes));
  } catch (err) {
    return { ok: false, reason: 'malformed', detail: `not UTF-8 JSON: ${(err as Error).message}` };
  }
  const versioned = VersionedSchema.safeParse(json);
  if (!versioned.success) {
    return {
      ok: false,
      reason: 'malformed',
      detail: `no valid version field v: ${describe(versioned.error)}`,
    };
  }
  const version = versioned.data.v;
  if (!isCompatibleVersion(version)) {
    return {
      ok: false,
      reason: 'incompatible',
      detail: incompatibleVersionProblem(version, reader),
      version,
    };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'malformed', detail: describe(parsed.error), version };
  return { ok: true, value: parsed.data, version };
}

/** `field: message` pairs of a zod error, joined, for logs and metrics-adjacent detail. */
function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Decodes a resource message (size, version, schema); `reader` names the side in problems. */
export function decodeResourceMessage(
  bytes: Uint8Array,
  reader: 'global' | 'zone',
): Decoded<ResourceMessage> {
  return decode(bytes, ResourceMessageSchema, reader);
}

/** Decodes a zone heartbeat on global (size, version, schema). */
export function decodeZoneHeartbeat(bytes: Uint8Array): Decoded<ZoneHeartbeat> {
  return decode(bytes, ZoneHeartbeatSchema, 'global');
}

/** Decodes a global heartbeat in a zone (size, version, schema). */
export function decodeGlobalHeartbeat(bytes: Uint8Array): Decoded<GlobalHeartbeat> {
  return decode(bytes, GlobalHeartbeatSchema, 'zone');
}

/**
 * Checks a received message's spec with its kind's rules (Kuma's validation, from the kind
 * descriptor). Returns the problems, or undefined when the spec is valid.
 */
export function specProblems(message: ResourceMessage): string | undefined {
  const result = descriptorFor(message.type).validate(message.spec);
  if (result.ok) return undefined;
  return result.errors
    .slice(0, 5)
    .map((error) => `spec.${error.field}: ${error.message}`)
    .join('; ');
}

/** The store write for a received message, with the given name and labels. */
export function toNewResource(
  message: ResourceMessage,
  name: string,
  labels: Readonly<Record<string, string>>,
): NewResource {
  return {
    type: message.type,
    meta: {
      name,
      ...(message.mesh === undefined ? {} : { mesh: message.mesh }),
      labels: { ...labels },
      ...(message.creationTime === undefined ? {} : { creationTime: message.creationTime }),
    },
    spec: message.spec,
  };
}
