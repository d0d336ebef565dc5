#!/usr/bin/env node
/**
 * `pnpm bench [name...]`: builds the bench package, then runs each `bench/dist/<name>.bench.js`
 * in its own node process, one after another (benchmarks must not compete for the 2 cores).
 * Without names it runs all of them. Exits non-zero when a build or a benchmark fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const distDir = join(benchDir, 'dist');
const tsc = join(benchDir, '..', 'node_modules', '.bin', 'tsc');

const build = spawnSync(tsc, ['-p', join(benchDir, 'tsconfig.json')], { stdio: 'inherit' });
if (build.status !== 0) {
  console.error('bench: the build failed');
  process.exit(build.status ?? 1);
}

const available = readdirSync(distDir)
  .filter((file) => file.endsWith('.bench.js'))
  .map((file) => file.slice(0, -'.bench.js'.length))
  .sort();
const requested = process.argv.slice(2).map((arg) => arg.replace(/(\.bench)?(\.[jt]s)?$/, ''));
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(
    `bench: no benchmark named ${unknown.join(', ')} (available: ${available.join(', ') || 'none'})`,
  );
  process.exit(2);
}

let failed = 0;
for (const name of requested.length > 0 ? requested : available) {
  const file = join(distDir, `${name}.bench.js`);
  if (!existsSync(file)) continue;
  console.log(`\n== ${name}`);
  const run = spawnSync(process.execPath, [file], { stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`bench: ${name} failed (${run.signal ?? `exit ${run.status}`})`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
