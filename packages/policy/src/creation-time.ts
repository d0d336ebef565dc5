/**
 * Creation times with nanosecond precision. Kuma breaks ties between equally specific policies by
 * `creationTime.After(...)` on Go times, and its fixtures use values such as
 * `1970-01-01T00:00:00.000000001Z`, which a JavaScript `Date` would round away.
 */

/** A point in time: whole seconds since the Unix epoch plus nanoseconds within that second. */
export interface Instant {
  readonly seconds: number;
  readonly nanos: number;
}

const rfc3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 timestamp (`2024-05-01T10:00:00.123456789Z`, `...+02:00`). Returns
 * `undefined` when the text is not one, so the caller can name the field in its error.
 */
export function parseInstant(text: string): Instant | undefined {
  const parts = rfc3339.exec(text);
  if (parts === null) return undefined;
  const [, date, time, fraction, zone] = parts;
  const offset = zone === 'Z' || zone === 'z' ? 'Z' : zone;
  const millis = Date.parse(`${date}T${time}${offset}`);
  if (Number.isNaN(millis)) return undefined;
  return { seconds: Math.floor(millis / 1000), nanos: Number((fraction ?? '').padEnd(9, '0')) };
}

/** Negative when `a` is earlier than `b`, 0 when equal, positive when later. */
export function compareInstants(a: Instant, b: Instant): number {
  if (a.seconds !== b.seconds) return a.seconds - b.seconds;
  return a.nanos - b.nanos;
}
