/**
 * JSON merge patch (RFC 7386): how Kuma merges the `default` of every matching `to[]`/`from[]`
 * item, each later item overriding earlier ones. Objects merge key by key, `null` deletes a key,
 * everything else (arrays included) replaces. Inputs are never modified.
 */
import { isRecord } from './compiled-policy.js';

/** Applies `patch` to `target` and returns the result. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
