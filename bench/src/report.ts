/**
 * How every benchmark reports: an aligned table on stdout and the same rows as JSON in
 * `bench/results/<name>.json`, with the machine they were measured on. Results are ratios
 * against a baseline measured in the same run, so they compare across machines; the absolute
 * figures are there for context.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/** One table row: column name to value. Numbers are formatted for the table, kept raw in JSON. */
export type BenchRow = Readonly<Record<string, string | number>>;

export interface BenchReport {
  /** File name under bench/results (without `.json`). */
  readonly name: string;
  /** One sentence: what is measured against what. */
  readonly description: string;
  readonly columns: readonly string[];
  readonly rows: readonly BenchRow[];
  /** Settings that matter for reading the figures (duration, concurrency, payload size). */
  readonly settings?: Readonly<Record<string, string | number>>;
}

/** The machine a run was measured on. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly timestamp: string;
}

export function machineInfo(): MachineInfo {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    timestamp: new Date().toISOString(),
  };
}

function formatCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

/** The rows as an aligned text table: text columns left-aligned, numbers right-aligned. */
export function formatTable(columns: readonly string[], rows: readonly BenchRow[]): string {
  const cells = rows.map((row) => columns.map((column) => formatCell(row[column])));
  const widths = columns.map((column, i) =>
    Math.max(column.length, ...cells.map((line) => line[i]?.length ?? 0)),
  );
  const numeric = columns.map((column) => rows.some((row) => typeof row[column] === 'number'));
  const line = (values: readonly string[]): string =>
    values
      .map((value, i) =>
        numeric[i] === true ? value.padStart(widths[i] ?? 0) : value.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}

/** Prints the table and writes `bench/results/<name>.json`; returns the JSON file's path. */
export function report(result: BenchReport): string {
  const machine = machineInfo();
  console.log(result.description);
  console.log(formatTable(result.columns, result.rows));
  console.log(`(${machine.cpu}, ${machine.cores} cores, node ${machine.node})`);
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${result.name}.json`;
  writeFileSync(file, `${JSON.stringify({ ...result, machine }, null, 2)}\n`);
  console.log(`written to ${file}`);
  return file;
}
