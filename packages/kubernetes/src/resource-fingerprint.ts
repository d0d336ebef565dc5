/**
 * Whether a stored resource already says what a controller wants: spec and labels compared with
 * object keys sorted, so neither key order nor a rewrite by another writer counts as a change.
 */
import type { NewResource, Resource } from '@zonemesh/api';

/** The spec and labels of a resource as one canonical string. */
export function fingerprintOf(resource: NewResource | Resource): string {
  return JSON.stringify([canonical(resource.spec), canonical(resource.meta.labels ?? {})]);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
