/**
 * Stores hand out shared, deep-frozen resources: no copy per read, and a caller that mutates one
 * gets a TypeError instead of silently changing what every other reader sees.
 */

/** Freezes `value` and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
