/** How the GUI writes times, counts and tags. */

/** "just now", "12 s ago", "4 min ago", "3 h ago", "2 d ago"; "—" for no time. */
export function ago(iso: string | undefined, now: number): string {
  if (iso === undefined) return '—';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '—';
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 2) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** A local date and time for tooltips: `2024-05-01 12:03:04`. */
export function absolute(iso: string | number | undefined): string {
  if (iso === undefined) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** `1 dataplane`, `2 dataplanes`. */
export function plural(value: number, one: string, many = `${one}s`): string {
  return `${value} ${value === 1 ? one : many}`;
}

/** Tags without the ones every row has (`kuma.io/service` is shown apart). */
export function extraTags(
  tags: Readonly<Record<string, string>>,
  hidden: readonly string[],
): [string, string][] {
  return Object.entries(tags)
    .filter(([name]) => !hidden.includes(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Tag names and values as Kuma allows them (the same rule as `zmctl inspect traffic`). */
const tagName = /^[a-zA-Z0-9.\-_:/]+$/;
const tagValue = /^[a-zA-Z0-9.\-_:]+$/;

/**
 * Parses `kuma.io/service=web,version=v1` into tags, or returns the problem in one sentence (the
 * same rules as `zmctl inspect traffic --source`).
 */
export function parseTags(text: string): { tags: Record<string, string> } | { problem: string } {
  const tags: Record<string, string> = {};
  if (text.trim() === '') return { problem: 'is empty: write tags as name=value, separated by commas' };
  for (const item of text.split(',')) {
    const trimmed = item.trim();
    const at = trimmed.indexOf('=');
    const name = trimmed.slice(0, at).trim();
    const value = trimmed.slice(at + 1).trim();
    if (at <= 0 || value === '') return { problem: `"${trimmed}" is not name=value` };
    if (!tagName.test(name)) return { problem: `tag name "${name}" has characters Kuma does not allow` };
    if (!tagValue.test(value)) return { problem: `tag value "${value}" has characters Kuma does not allow` };
    if (name in tags) return { problem: `tag "${name}" is given twice` };
    tags[name] = value;
  }
  return { tags };
}
