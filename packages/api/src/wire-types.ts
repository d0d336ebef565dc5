/**
 * The JSON value types Kuma's decoders accept, as zod schemas. Every schema says what is wrong in
 * Kuma's voice ("must be a string") so structural problems read like validation problems.
 *
 * Two decoding rules of Kuma are reproduced here for every object:
 * - unknown keys are dropped (Kuma unmarshals with `AllowUnknownFields`), and a `null` value means
 *   "not set" (protobuf JSON and Go's encoding/json both read it so);
 * - protobuf-based kinds also accept a field under its proto name (`reuse_connection` for
 *   `reuseConnection`), as Kuma's protobuf JSON reader does.
 */
import * as z from 'zod';
import { isGoDuration } from './duration.js';

type Shape = z.core.$ZodLooseShape;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Drops null entries and, when `protoNames`, renames snake_case proto names the shape knows. */
function normalizeObject(shapeKeys: ReadonlySet<string>, protoNames: boolean) {
  return (value: unknown): unknown => {
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      if (entry === null) continue;
      const name = protoNames && !shapeKeys.has(key) && shapeKeys.has(camelCase(key)) ? camelCase(key) : key;
      if (name !== key && Object.hasOwn(value, name)) continue;
      out[name] = entry;
    }
    return out;
  };
}

/** A protobuf message: unknown keys dropped, nulls unset, proto field names accepted. */
export function protoObject<S extends Shape>(shape: S) {
  return z.preprocess(
    normalizeObject(new Set(Object.keys(shape)), true),
    z.object(shape, { error: 'must be an object' }),
  );
}

/** A Go struct decoded by encoding/json (targetRef policies): unknown keys dropped, nulls unset. */
export function structObject<S extends Shape>(shape: S) {
  return z.preprocess(
    normalizeObject(new Set(Object.keys(shape)), false),
    z.object(shape, { error: 'must be an object' }),
  );
}

/** Any JSON object, kept as written (a `google.protobuf.Struct`, or a section zonemesh passes through). */
export const JsonObjectSchema = z.record(z.string(), z.unknown(), { error: 'must be an object' });

/** A string. */
export const str = () => z.string({ error: 'must be a string' });

/** A boolean (protobuf `bool` or `BoolValue`). */
export const bool = () => z.boolean({ error: 'must be a boolean (true or false)' });

/** A protobuf `uint32` or `UInt32Value`. */
export const uint32 = () =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(0, { error: 'must not be negative' })
    .max(4_294_967_295, { error: 'must be at most 4294967295' });

/** A Go `int32`. */
export const int32 = () =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(-2_147_483_648, { error: 'must be at least -2147483648' })
    .max(2_147_483_647, { error: 'must be at most 2147483647' });

/** A protobuf `float`/`FloatValue`. */
export const float = () => z.number({ error: 'must be a number' });

/** A duration in Go syntax (`10s`, `1m30s`, `200ms`). */
export const duration = () =>
  str().refine(isGoDuration, { error: 'must be a valid duration, e.g. 10s, 1m30s or 200ms' });

/** Protobuf `bytes`/`BytesValue`: base64 text. */
export const bytes = () =>
  str().regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/, {
    error: 'must be base64-encoded',
  });

/** A list. A `null` list is "not set" and is removed before this schema runs. */
export const list = <T extends z.ZodType>(item: T) => z.array(item, { error: 'must be a list' });

/** A map of strings to strings (tags, selectors, labels). */
export const stringMap = () => z.record(z.string(), str(), { error: 'must be a map of strings' });
