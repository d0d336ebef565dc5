/**
 * Key layout of the two sync buckets.
 *
 * - `zm-global` (written by global): `<Kind>.<mesh|_>.<name>`
 * - `zm-zones`  (each zone writes under its own prefix): `<zone>.<Kind>.<mesh|_>.<name>`
 *
 * A KV key is a NATS subject, so a token may not contain `.` and only `[-/_=.a-zA-Z0-9]` is
 * allowed at all. Mesh and name tokens are therefore escaped: every UTF-8 byte outside
 * `[A-Za-z0-9_-]` becomes `=HH` (upper-case hex), so `zone-1.web` is `zone-1=2Eweb`. Kind and
 * zone tokens never need escaping (kinds are identifiers, zones DNS labels): the zone prefix stays
 * a literal subject token that NATS permissions can grant (`$KV.zm-zones.<zone>.>`).
 */
import { isMeshScoped, isResourceType, type ResourceKey, type ResourceType } from '@zonemesh/api';

/** Bucket written by global: global-origin kinds plus the zone ingresses global forwards. */
export const globalBucket = 'zm-global';
/** Bucket written by the zones, each under keys that start with its name. */
export const zonesBucket = 'zm-zones';

/**
 * Key of the ready marker in `zm-global`: global writes it once the bucket holds its whole
 * store. It is no resource key (`_ready` is no kind), so a reader recognises it first.
 */
export const globalReadyKey = '_ready';

/** Key of a zone's ready marker in `zm-zones` (inside the zone's own prefix). */
export function zoneReadyKey(zone: string): string {
  return `${zone}._ready`;
}

/** The zone whose ready marker `key` is, if it is one. */
export function zoneOfReadyKey(key: string): string | undefined {
  const [zone, marker, ...rest] = key.split('.');
  return zone !== undefined && marker === '_ready' && rest.length === 0 && isZoneName(zone)
    ? zone
    : undefined;
}

/** A zone name is a DNS label: it is used verbatim as a subject token and in permissions. */
const zoneNamePattern = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Whether `name` can name a zone (a DNS label, at most 63 characters). */
export function isZoneName(name: string): boolean {
  return zoneNamePattern.test(name);
}

const plainByte = /^[A-Za-z0-9_-]$/;
const tokenPattern = /^(?:[A-Za-z0-9_-]|=[0-9A-F]{2})+$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Escapes a mesh or resource name into one subject token (never empty for a non-empty name). */
export function encodeToken(value: string): string {
  let out = '';
  for (const byte of encoder.encode(value)) {
    const char = String.fromCharCode(byte);
    out +=
      byte < 0x80 && plainByte.test(char) ? char : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Reverses {@link encodeToken}; undefined for a token that encodeToken cannot have produced. */
export function decodeToken(token: string): string | undefined {
  if (!tokenPattern.test(token)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '=') {
      bytes.push(Number.parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(token.charCodeAt(i));
    }
  }
  try {
    const value = decoder.decode(Uint8Array.from(bytes));
    // Reject non-canonical forms (an escaped plain byte) so one resource has exactly one key.
    return encodeToken(value) === token ? value : undefined;
  } catch {
    return undefined;
  }
}

function resourceTokens(key: ResourceKey): string {
  const mesh = isMeshScoped(key.type) ? encodeToken(key.mesh ?? '') : '_';
  return `${key.type}.${mesh}.${encodeToken(key.name)}`;
}

/** The `zm-global` key of a resource. */
export function globalKey(key: ResourceKey): string {
  return resourceTokens(key);
}

/** The `zm-zones` key of a zone's resource. */
export function zoneKey(zone: string, key: ResourceKey): string {
  return `${zone}.${resourceTokens(key)}`;
}

/** The `zm-zones` key filter of one zone's keys. */
export function zoneKeyFilter(zone: string): string {
  return `${zone}.>`;
}

/** A parsed key, or why it is not a valid key. */
export type ParsedKey<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

function parseResourceTokens(tokens: readonly string[]): ParsedKey<ResourceKey> {
  const [kind, meshToken, nameToken] = tokens;
  if (tokens.length !== 3 || kind === undefined || meshToken === undefined || nameToken === undefined) {
    return { ok: false, reason: 'expected <Kind>.<mesh|_>.<name>' };
  }
  if (!isResourceType(kind)) return { ok: false, reason: `unknown kind ${JSON.stringify(kind)}` };
  const name = decodeToken(nameToken);
  if (name === undefined) return { ok: false, reason: 'badly escaped name token' };
  if (!isMeshScoped(kind)) {
    if (meshToken !== '_') return { ok: false, reason: `${kind} is not mesh-scoped: mesh token must be _` };
    return { ok: true, value: { type: kind, name } };
  }
  const mesh = decodeToken(meshToken);
  if (mesh === undefined) return { ok: false, reason: 'badly escaped mesh token' };
  return { ok: true, value: { type: kind as ResourceType, name, mesh } };
}

/** Parses a `zm-global` key. */
export function parseGlobalKey(key: string): ParsedKey<ResourceKey> {
  return parseResourceTokens(key.split('.'));
}

/** Parses a `zm-zones` key into the writing zone and the zone-local resource key. */
export function parseZoneKey(key: string): ParsedKey<{ readonly zone: string; readonly key: ResourceKey }> {
  const [zone, ...rest] = key.split('.');
  if (zone === undefined || !isZoneName(zone))
    return { ok: false, reason: 'key does not start with a zone name' };
  const parsed = parseResourceTokens(rest);
  return parsed.ok ? { ok: true, value: { zone, key: parsed.value } } : parsed;
}
