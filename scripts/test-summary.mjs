#!/usr/bin/env node
/**
 * Adds up the vitest JSON reports every package wrote (`.vitest-report.json`) into one closing
 * line, `tests: N passed, N failed, N skipped`, and exits non-zero when any test failed, the runner
 * failed (argument: its exit status), or no report was found (a suite that ran nothing is not a pass).
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
// The test runner's own exit status (passed by the test script): vitest exits non-zero on errors
// its JSON report does not count, such as an unhandled rejection after every test passed.
const runnerStatus = Number(process.argv[2] ?? 0);
if (runnerStatus !== 0 && failed === 0) {
  console.log('a test task failed outside any test (unhandled error or crash): see its output above');
  failed = 1;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(reports > 0 && failed === 0 && passed > 0 ? 0 : 1);
