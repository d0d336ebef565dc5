/**
 * Durations as Kuma reads them. Policy fields use Go's `time.ParseDuration` syntax (`10s`, `1m30s`,
 * `200ms`, `-3s`, `0`); the Mesh's dpCert rotation also takes whole days (`1d`).
 */

const unitNanos: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const component = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Parses a Go duration string into nanoseconds, or returns undefined when Go would reject it.
 * Precision is that of a double, which is plenty for validation and comparison.
 */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  component.lastIndex = 0;
  while (component.lastIndex < rest.length) {
    const match = component.exec(rest);
    if (match === null) return undefined;
    const [, amount = '', unit = ''] = match;
    total += Number(amount) * (unitNanos[unit] ?? Number.NaN);
  }
  return Number.isFinite(total) ? sign * total : undefined;
}

/** Whether `text` is a duration Go's `time.ParseDuration` accepts. */
export function isGoDuration(text: string): boolean {
  return parseGoDuration(text) !== undefined;
}

/** Kuma's `mesh.ParseDuration`: whole days (`7d`) or a Go duration. Nanoseconds, or undefined. */
export function parseKumaDuration(text: string): number | undefined {
  if (text.endsWith('d')) {
    const days = text.slice(0, -1);
    return /^[-+]?\d+$/.test(days) ? Number(days) * 86_400e9 : undefined;
  }
  return parseGoDuration(text);
}
