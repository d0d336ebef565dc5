#!/usr/bin/env node
/**
 * Adds up the vitest JSON reports every package wrote (`.vitest-report.json`) into one closing
 * line, `tests: N passed, N failed, N skipped`, and exits non-zero when any test failed or no
 * report was found (a suite that ran nothing is not a pass).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dirs = [
  ...readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d)),
  join(root, 'test'),
];
let passed = 0;
let failed = 0;
let skipped = 0;
let reports = 0;
for (const dir of dirs) {
  const file = join(dir, '.vitest-report.json');
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  reports++;
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  if (!r.success && (r.numFailedTests ?? 0) === 0) failed += 1; // a suite that crashed before its tests
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(reports > 0 && failed === 0 && passed > 0 ? 0 : 1);
