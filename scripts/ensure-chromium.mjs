#!/usr/bin/env node
/**
 * Makes sure Debian's `chromium` is at /usr/bin/chromium for the GUI browser test (driven by
 * playwright-core, which downloads no browser of its own). Installs it with apt-get when running
 * as root on Debian/Ubuntu; otherwise prints the one command to run and exits 1. Safe to run again.
 *
 *   node scripts/ensure-chromium.mjs
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = '/usr/bin/chromium';
const say = (msg) => process.stderr.write(`ensure-chromium: ${msg}\n`);

if (existsSync(chromium)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!isRoot || !hasApt) {
  say(`${chromium} not found: install it with \`sudo apt-get install -y chromium\` and run again`);
  process.exit(1);
}
say('installing chromium with apt-get (for the GUI browser test)');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', '--no-install-recommends', 'chromium'],
]) {
  const run = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (run.status !== 0) {
    say(`\`apt-get ${args.join(' ')}\` failed (exit ${run.status ?? run.signal})`);
    process.exit(1);
  }
}
if (!existsSync(chromium)) {
  say(`apt-get installed chromium but ${chromium} is still missing`);
  process.exit(1);
}
