#!/usr/bin/env node
/**
 * A guided tour of a zonemesh federation on this machine: nats-server, a global control plane
 * and two zones. Policies written once at global reach both zones; Dataplanes registered in the
 * zones reach global; zmctl shows the zones and explains a permission decision. Each step prints
 * what it checked. `--once` exits after the tour (0 only if every check held); otherwise it stays
 * up until Ctrl-C and then stops everything it started.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const once = process.argv.includes('--once');
const work = mkdtempSync(join(tmpdir(), 'zonemesh-tour-'));
const children = [];
let failures = 0;

const color = process.stdout.isTTY ? (c, s) => `\x1b[${c}m${s}\x1b[0m` : (_c, s) => s;
const step = (s) => console.log(`\n${color('1', s)}`);
const ok = (s) => console.log(`  ${color('32', '✔')} ${s}`);
const bad = (s) => {
  failures++;
  console.log(`  ${color('31', '✘')} ${s}`);
};
const show = (text) => console.log(text.replace(/\n$/, '').replace(/^/gm, '    '));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
function start(name, cmd, args) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const h = {
    name,
    child,
    get output() {
      return output;
    },
  };
  children.push(h);
  return h;
}
async function waitFor(fn, ms) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) return undefined;
    await sleep(50);
  }
}
const getJson = async (url) => {
  const r = await fetch(url);
  return r.ok ? r.json() : undefined;
};
const zmctl = (args) =>
  execFileSync(bin('zmctl'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

async function stopAll() {
  for (const h of children.reverse()) h.child.kill('SIGTERM');
  await Promise.all(
    children.map((h) => (h.child.exitCode !== null ? Promise.resolve() : new Promise((r) => h.child.once('exit', r)))),
  );
  rmSync(work, { recursive: true, force: true });
}
process.on('SIGINT', () => void stopAll().then(() => process.exit(failures ? 1 : 0)));

async function main() {
  console.log(color('1;36', 'zonemesh tour') + ' — one global control plane, two zones, policy written once');

  step('1. Start NATS (JetStream) and the control planes');
  const natsPort = await freePort();
  start('nats', 'nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', join(work, 'js')]);
  const nats = `nats://127.0.0.1:${natsPort}`;
  const cps = {};
  for (const [name, mode] of [
    ['global', 'global'],
    ['zone-1', 'zone'],
    ['zone-2', 'zone'],
  ]) {
    const api = await freePort();
    const args = ['run', '--mode', mode, '--nats-url', nats, '--api-address', `127.0.0.1:${api}`];
    if (mode === 'zone') args.push('--zone', name, '--dp-server-address', `127.0.0.1:${await freePort()}`);
    cps[name] = { url: `http://127.0.0.1:${api}`, h: start(name, bin('zonemesh-cp'), args) };
  }
  for (const [name, cp] of Object.entries(cps)) {
    const up = await waitFor(async () => (await fetch(`${cp.url}/ready`)).ok, 20_000);
    if (up) ok(`${name.padEnd(7)} ready at ${cp.url}`);
    else {
      bad(`${name} did not become ready; its log:`);
      show(cp.h.output.slice(-2000));
      return;
    }
  }

  step('2. Write policy once, at global: zmctl apply -f examples/policies.yaml');
  show(zmctl(['--cp', cps.global.url, 'apply', '-f', join(root, 'examples', 'policies.yaml')]));
  const t0 = performance.now();
  for (const zone of ['zone-1', 'zone-2']) {
    const seen = await waitFor(
      () => getJson(`${cps[zone].url}/meshes/default/traffic-permissions/frontend-to-backends`),
      10_000,
    );
    if (seen)
      ok(
        `${zone} has TrafficPermission frontend-to-backends (origin: ${seen.labels?.['kuma.io/origin'] ?? '?'}) after ${(performance.now() - t0).toFixed(0)} ms`,
      );
    else bad(`${zone} never received frontend-to-backends`);
  }

  step('3. Zones refuse global policy kinds (they come only from global)');
  const refused = await fetch(`${cps['zone-1'].url}/meshes/default/traffic-permissions/local`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'TrafficPermission',
      name: 'local',
      mesh: 'default',
      sources: [{ match: { 'kuma.io/service': '*' } }],
      destinations: [{ match: { 'kuma.io/service': '*' } }],
    }),
  });
  if (refused.status === 405)
    ok(`PUT a TrafficPermission at zone-1 -> ${refused.status}: ${(await refused.json()).title}`);
  else bad(`zone-1 accepted a global kind (HTTP ${refused.status})`);

  step('4. Workloads register in their zones and show up at global');
  const dataplanes = [
    ['zone-1', 'frontend-1', 'frontend', '10.1.0.1'],
    ['zone-1', 'backend1-1', 'backend1', '10.1.0.2'],
    ['zone-2', 'backend2-1', 'backend2', '10.2.0.1'],
  ];
  for (const [zone, name, service, address] of dataplanes) {
    const body = {
      type: 'Dataplane',
      name,
      mesh: 'default',
      networking: {
        address,
        inbound: [{ port: 9000, servicePort: 8080, tags: { 'kuma.io/service': service } }],
      },
    };
    const r = await fetch(`${cps[zone].url}/meshes/default/dataplanes/${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!r.ok) bad(`${zone} refused Dataplane ${name}: HTTP ${r.status}`);
  }
  const atGlobal = await waitFor(async () => {
    const list = await getJson(`${cps.global.url}/meshes/default/dataplanes`);
    return list?.items.length === dataplanes.length ? list : undefined;
  }, 10_000);
  if (atGlobal)
    ok(`global sees ${atGlobal.items.length} dataplanes: ${atGlobal.items.map((d) => d.name).join(', ')}`);
  else bad('global did not receive every dataplane');
  show(zmctl(['--cp', cps.global.url, 'get', 'dataplanes', '--mesh', 'default']));

  step('5. zmctl inspect zones (at global)');
  await waitFor(
    async () =>
      (await getJson(`${cps.global.url}/zones/_overview`))?.items?.filter?.((z) => z.online).length === 2,
    10_000,
  );
  const zones = zmctl(['--cp', cps.global.url, 'inspect', 'zones']);
  show(zones);
  if ((zones.match(/Online/g) ?? []).length === 2) ok('both zones Online');
  else bad('expected both zones Online');

  step('6. Who may talk to whom? zmctl inspect traffic (asks global)');
  for (const [src, dst, want] of [
    ['frontend', 'backend2', 'ALLOW'],
    ['intruder', 'backend2', 'DENY'],
  ]) {
    const out = zmctl([
      '--cp',
      cps.global.url,
      'inspect',
      'traffic',
      '--mesh',
      'default',
      '--source',
      `kuma.io/service=${src}`,
      '--destination',
      `kuma.io/service=${dst}`,
      '-o',
      'json',
    ]);
    const d = JSON.parse(out);
    const line = `${src} -> ${dst}: ${d.decision}${d.policy ? ` (${d.policy.type} ${d.policy.name})` : ''} — ${d.reason}`;
    if (d.decision === want) ok(line);
    else bad(`${line} (expected ${want})`);
  }

  console.log(
    failures === 0
      ? `\n${color('1;32', 'Tour complete: every check held.')}`
      : `\n${color('1;31', `${failures} check(s) failed.`)}`,
  );
  if (!once) {
    console.log(
      `\nStill running — global API ${cps.global.url}, metrics ${cps.global.url}/metrics; zone-1 ${cps['zone-1'].url}, zone-2 ${cps['zone-2'].url}.`,
    );
    console.log(
      `Try: npx zmctl --cp ${cps.global.url} get traffic-permissions --mesh default      (Ctrl-C stops everything)`,
    );
    await new Promise(() => {});
  }
}

try {
  await main();
} catch (err) {
  bad(`tour failed: ${err instanceof Error ? err.message : String(err)}`);
  if (err?.stderr) show(String(err.stderr));
}
await stopAll();
process.exit(failures === 0 ? 0 : 1);
