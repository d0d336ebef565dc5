#!/usr/bin/env node
/**
 * Gets a checkout from "Node.js 20 and npm" to "built, with the servers the tests and the demo
 * need": pnpm, dependencies, the build, and the nats-server / redis-server binaries (apt-get when
 * root on Debian/Ubuntu, otherwise one sentence naming the install command). Safe to run again:
 * every step is skipped or cached when already done. Plain Node, no dependencies.
 *
 *   node scripts/bootstrap.mjs [--no-build] [--servers nats-server,redis-server,haproxy]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM_VERSION = '10.34.9';
const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const serversArg = args.indexOf('--servers');
const servers =
  serversArg >= 0 ? (args[serversArg + 1] ?? '').split(',').filter(Boolean) : ['nats-server', 'redis-server'];
const aptPackage = { 'nats-server': 'nats-server', 'redis-server': 'redis-server', haproxy: 'haproxy' };

const say = (msg) => process.stderr.write(`bootstrap: ${msg}\n`);
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
function run(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.status !== 0) {
    say(`\`${cmd} ${cmdArgs.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

// 1. pnpm (corepack fails signature checks on some machines; npm -g is reliable).
if (!has('pnpm')) {
  say(`installing pnpm ${PNPM_VERSION} with npm`);
  run('npm', ['install', '-g', `pnpm@${PNPM_VERSION}`, '--no-fund', '--no-audit']);
}

// 2. Servers.
const missing = servers.filter((s) => !has(s));
if (missing.length > 0) {
  const pkgs = missing.map((m) => aptPackage[m] ?? m);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && has('apt-get')) {
    say(`installing ${pkgs.join(', ')} with apt-get`);
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', ...pkgs], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } else {
    say(
      `${missing.join(' and ')} not found: install with \`sudo apt-get install -y ${pkgs.join(' ')}\` (or your system's package manager) and run again`,
    );
    process.exit(1);
  }
}

// 3. Dependencies (fast when already installed) and the build (turbo caches it).
const frozen = process.env.CI ? ['--frozen-lockfile'] : [];
run('pnpm', ['install', '--reporter=silent', ...frozen]);
if (build) run('pnpm', ['-s', 'build', '--output-logs=errors-only']);
if (!existsSync(join(root, 'node_modules', '.bin', 'zmctl'))) {
  say('node_modules/.bin/zmctl is missing after install: the workspace is broken');
  process.exit(1);
}
try {
  execFileSync('nats-server', ['--version'], { stdio: 'ignore' });
} catch {
  /* version probe only; presence was checked above */
}
