/**
 * Config versions: a content hash over canonical JSON (object keys sorted at every level), so
 * equal configs have equal versions whatever order their fields were built in, and a proxy is
 * pushed a config only when its version changed.
 */
import { createHash } from 'node:crypto';

/** The version of a config without its `version` field: 16 hex digits of SHA-256. */
export function configVersion(content: unknown): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted at every level; `undefined` members are left out, as JSON does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return sorted;
  }
  return value;
}
