/**
 * Reading what the metrics tests compare: the catalogue in docs/metrics.md, Prometheus text from
 * a `/metrics` endpoint, and the metric names a dashboard's PromQL queries.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One catalogue row. */
export interface CatalogueEntry {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly where: readonly string[];
  /** `exposed`, or the owner of a planned metric. */
  readonly status: { readonly exposed: true } | { readonly exposed: false; readonly owner: string };
}

/** The catalogue file. */
export const cataloguePath = fileURLToPath(new URL('../docs/metrics.md', import.meta.url));

/** Parses the catalogue's tables: rows whose first cell is a backticked `zonemesh_` name. */
export function readCatalogue(text = readFileSync(cataloguePath, 'utf8')): CatalogueEntry[] {
  const entries: CatalogueEntry[] = [];
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const name = /^`(zonemesh_[a-z0-9_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (name === undefined) continue;
    const type = cells[2];
    if (type !== 'counter' && type !== 'gauge' && type !== 'histogram')
      throw new Error(`${name}: unknown type "${type}"`);
    const where = (cells[4] ?? '').split(',').map((place) => place.trim());
    const statusText = cells[5] ?? '';
    const planned = /^planned \(([^)]+)\)$/.exec(statusText);
    if (statusText !== 'exposed' && planned === null)
      throw new Error(`${name}: status must be "exposed" or "planned (owner)", got "${statusText}"`);
    entries.push({
      name,
      type,
      where,
      status: planned === null ? { exposed: true } : { exposed: false, owner: planned[1] ?? '' },
    });
  }
  return entries;
}

/** One sample of a scrape. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses Prometheus text exposition (samples only; comments and TYPE lines are skipped). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (match === null) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] ?? ''] = pair[2] ?? '';
    }
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

/** Metric family names in a scrape (histogram series mapped to their family). */
export function familyNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const declared = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) /.exec(line);
    if (declared?.[1] !== undefined) names.add(declared[1]);
  }
  for (const sample of parseExposition(text)) names.add(sample.name);
  return names;
}

const promqlKeywords = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads: identifiers that are not functions, keywords,
 * label names (in `{...}`, `by (...)`, `on (...)`, ...), strings, durations or `$variables`.
 * Histogram series (`_bucket`, `_sum`, `_count`) are returned as written.
 */
export function metricNamesIn(expression: string): Set<string> {
  const stripped = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?[a-zA-Z_][a-zA-Z0-9_]*\}?/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0];
    const after = stripped.slice((match.index ?? 0) + name.length).trimStart();
    if (after.startsWith('(')) continue; // a function
    if (promqlKeywords.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return names;
}

/** The family a series name belongs to in a catalogue of families (`x_bucket` -> `x` when `x` is a histogram). */
export function familyOf(name: string, histograms: ReadonlySet<string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix) && histograms.has(name.slice(0, -suffix.length)))
      return name.slice(0, -suffix.length);
  }
  return name;
}

/** Every PromQL expression of a Grafana dashboard: panel targets (rows included) and query variables. */
export function dashboardExpressions(dashboard: unknown): { where: string; expr: string }[] {
  const found: { where: string; expr: string }[] = [];
  const visitPanels = (panels: unknown): void => {
    if (!Array.isArray(panels)) return;
    for (const panel of panels as Record<string, unknown>[]) {
      for (const target of (panel.targets as Record<string, unknown>[] | undefined) ?? []) {
        if (typeof target.expr === 'string')
          found.push({ where: `panel "${String(panel.title)}"`, expr: target.expr });
      }
      visitPanels(panel.panels);
    }
  };
  const board = dashboard as { panels?: unknown; templating?: { list?: Record<string, unknown>[] } };
  visitPanels(board.panels);
  for (const variable of board.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const query =
      typeof variable.query === 'string'
        ? variable.query
        : (variable.query as { query?: string } | undefined)?.query;
    const inner = /^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/.exec(query ?? '')?.[1];
    if (inner !== undefined) found.push({ where: `variable "${String(variable.name)}"`, expr: inner });
  }
  return found;
}
