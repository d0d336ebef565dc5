/** Prints command results as `-o table|yaml|json` asks. */
import { stringify } from 'yaml';
import type { CliIo } from './command.js';
import type { OutputFormat } from './global-options.js';

/** Prints `value` as pretty JSON or YAML. Returns false for `table`, which the command renders itself. */
export function printStructured(io: CliIo, format: OutputFormat, value: unknown): boolean {
  if (format === 'json') io.out(`${JSON.stringify(value, null, 2)}\n`);
  else if (format === 'yaml') io.out(stringify(value));
  else return false;
  return true;
}

/** Aligns rows under headers with two spaces between columns (kumactl's look). */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}
