#!/usr/bin/env node
/**
 * The zonemesh demo: the scenario of Kuma's traffic-policy article, federated across two zones on
 * this machine. NATS, a global control plane, zone-1 and zone-2 (memory stores), a zone ingress
 * per zone; a public `frontend` API in zone-1 privately calls `backend1` (zone-1) and `backend2`
 * (zone-2, through zone-2's ingress); mTLS on; TrafficPermissions allow only frontend -> backends;
 * a HealthCheck watches the backends. It prints every call and its result, shows a denied
 * intruder, a permission revoked and restored at global, a backend dying and coming back, and
 * the zones' status.
 *
 *   pnpm demo          runs the scenario, then stays up until Ctrl-C (prints the URLs to try)
 *   pnpm demo --once   runs the scenario and exits: 0 only if every expected outcome held
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProcessGroup, freePort, waitFor } from './lib/local-processes.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const once = process.argv.includes('--once');
const work = mkdtempSync(join(tmpdir(), 'zonemesh-demo-'));
const group = createProcessGroup();
const servers = [];
let failures = 0;

// ---- output --------------------------------------------------------------------------------
const tty = process.stdout.isTTY;
const paint = (code, s) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = (s) => paint('1', s);
const dim = (s) => paint('2', s);
const section = (s) => console.log(`\n${paint('1;36', '▸')} ${bold(s)}`);
const ok = (s) => console.log(`  ${paint('32', '✔')} ${s}`);
const fail = (s) => {
  failures++;
  console.log(`  ${paint('31', '✘')} ${s}`);
};
const expect = (cond, good, bad = good) => (cond ? ok(good) : fail(bad));
const indent = (text) => console.log(dim(text.replace(/\n$/, '').replace(/^/gm, '    ')));
const ms = (t0) => `${Math.round(performance.now() - t0)} ms`;

// ---- the apps ------------------------------------------------------------------------------
/** An HTTP app on a free port; `stop()` kills it (connections reset), `start()` brings it back. */
async function httpApp(handler) {
  const port = await freePort();
  const sockets = new Set();
  let server;
  const app = {
    port,
    start: () =>
      new Promise((resolve) => {
        server = http.createServer(handler);
        server.on('connection', (s) => {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
        });
        server.listen(port, '127.0.0.1', resolve);
      }),
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  await app.start();
  servers.push(app);
  return app;
}

/** GET over a fresh connection (no keep-alive: every call picks an endpoint anew). */
function get(port, path = '/', timeoutMs = 3000) {
  return new Promise((resolve) => {
    const req = http.get(
      { host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ ok: res.statusCode === 200, status: res.statusCode, body }));
        res.on('error', (err) => resolve({ ok: false, error: err.code ?? err.message }));
      },
    );
    req.setTimeout(timeoutMs, () =>
      req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', (err) => resolve({ ok: false, error: err.code ?? err.message }));
  });
}

const backend = (service, zone) => (_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ service, zone, message: `hello from ${service}` }));
};

/** The public frontend API: calls both backends through its sidecar's outbounds. */
const frontend = (outbounds) => async (_req, res) => {
  const calls = await Promise.all(
    Object.entries(outbounds).map(async ([service, port]) => {
      const r = await get(port);
      return [service, r.ok ? JSON.parse(r.body) : { error: r.error ?? `HTTP ${r.status}` }];
    }),
  );
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(Object.fromEntries(calls)));
};

// ---- control planes and proxies -------------------------------------------------------------
const zmctl = (args) =>
  execFileSync(bin('zmctl'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const file = (name, text) => {
  const f = join(work, name);
  writeFileSync(f, text);
  return f;
};
async function ready(handle, url) {
  const up = await waitFor(async () => (await fetch(url)).ok, 30_000);
  if (!up) {
    fail(`${handle.name} did not become ready; the end of its log:`);
    indent(handle.output.slice(-1500));
    throw new Error(`${handle.name} not ready`);
  }
}

/** Asks the zone's control plane for a token (`zmctl generate ...`) and writes it to a file. */
function tokenFile(api, name, args) {
  return file(`${name}.token`, zmctl(['--cp', api, 'generate', ...args]));
}

async function startIngress(zone, { api, dp: dpServer }) {
  const token = tokenFile(api, `ingress-${zone}`, ['zone-token', '--zone', zone, '--scope', 'ingress']);
  const port = await freePort();
  const admin = await freePort();
  const spec = file(
    `ingress-${zone}.yaml`,
    `type: ZoneIngress\nname: ingress-${zone}\nnetworking:\n  address: 127.0.0.1\n  port: ${port}\n  advertisedAddress: 127.0.0.1\n  advertisedPort: ${port}\n`,
  );
  const h = group.start(`ingress-${zone}`, bin('zonemesh-ingress'), [
    'run',
    '--token-file',
    token,
    '--cp-address',
    dpServer,
    '--ingress-file',
    spec,
    '--admin-address',
    `127.0.0.1:${admin}`,
  ]);
  await ready(h, `http://127.0.0.1:${admin}/ready`);
  return { port, admin: `http://127.0.0.1:${admin}` };
}

async function startSidecar(name, service, { api, dp: dpServer }, appPort, outbounds = {}) {
  const token = tokenFile(api, name, ['dataplane-token', '--mesh', 'default', '--name', name]);
  const port = await freePort();
  const admin = await freePort();
  const lines = [
    'type: Dataplane',
    'mesh: default',
    `name: ${name}`,
    'networking:',
    '  address: 127.0.0.1',
    '  inbound:',
    `    - port: ${port}`,
    `      servicePort: ${appPort}`,
    '      tags:',
    `        kuma.io/service: ${service}`,
  ];
  if (Object.keys(outbounds).length > 0) {
    lines.push('  outbound:');
    for (const [svc, p] of Object.entries(outbounds))
      lines.push(`    - port: ${p}`, '      tags:', `        kuma.io/service: ${svc}`);
  }
  const spec = file(`${name}.yaml`, `${lines.join('\n')}\n`);
  const h = group.start(name, bin('zonemesh-dp'), [
    'run',
    '--dataplane-token-file',
    token,
    '--cp-address',
    dpServer,
    '--dataplane-file',
    spec,
    '--admin-address',
    `127.0.0.1:${admin}`,
  ]);
  await ready(h, `http://127.0.0.1:${admin}/ready`);
  return { admin: `http://127.0.0.1:${admin}` };
}

async function deniedCount(admin) {
  const text = await (await fetch(`${admin}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('zonemesh_proxy_denied_connections_total'))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

// ---- the scenario --------------------------------------------------------------------------
async function main() {
  console.log(`${paint('1;36', 'zonemesh demo')} — Kuma's traffic-policy scenario across two zones\n`);
  console.log(dim('  frontend (zone-1) ──► backend1 (zone-1)'));
  console.log(dim('          └──────── mTLS ──► ingress (zone-2) ──► backend2 (zone-2)'));

  section('Control planes');
  const natsPort = await freePort();
  const nats = group.start('nats-server', 'nats-server', [
    '-a',
    '127.0.0.1',
    '-p',
    String(natsPort),
    '-js',
    '-sd',
    join(work, 'jetstream'),
  ]);
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  if (
    !(await waitFor(
      () => nats.output.includes('Server is ready') || nats.output.includes('Listening for client'),
      10_000,
    ))
  ) {
    fail('nats-server did not start');
    indent(nats.output);
    return;
  }
  ok(`NATS JetStream at ${natsUrl}`);
  const cp = {};
  for (const [name, mode] of [
    ['global', 'global'],
    ['zone-1', 'zone'],
    ['zone-2', 'zone'],
  ]) {
    const api = await freePort();
    const args = ['run', '--mode', mode, '--nats-url', natsUrl, '--api-address', `127.0.0.1:${api}`];
    let dp;
    if (mode === 'zone') {
      dp = `http://127.0.0.1:${await freePort()}`;
      args.push('--zone', name, '--dp-server-address', dp.slice('http://'.length));
    }
    cp[name] = { api: `http://127.0.0.1:${api}`, dp, h: group.start(name, bin('zonemesh-cp'), args) };
  }
  for (const [name, c] of Object.entries(cp)) {
    await ready(c.h, `${c.api}/ready`);
    ok(`${name.padEnd(6)} control plane  ${c.api}`);
  }

  section('Policy, written once at global  (zmctl apply -f examples/policies.yaml)');
  indent(zmctl(['--cp', cp.global.api, 'apply', '-f', join(root, 'examples', 'policies.yaml')]));
  let t0 = performance.now();
  for (const zone of ['zone-1', 'zone-2']) {
    const got = await waitFor(
      async () => (await fetch(`${cp[zone].api}/meshes/default/traffic-permissions/frontend-to-backend2`)).ok,
      10_000,
      20,
    );
    expect(
      got,
      `${zone} received the policies over NATS in ${ms(t0)}`,
      `${zone} never received the policies`,
    );
  }
  const refused = await fetch(`${cp['zone-1'].api}/meshes/default/traffic-permissions/sneaky`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'TrafficPermission',
      name: 'sneaky',
      mesh: 'default',
      sources: [{ match: { 'kuma.io/service': '*' } }],
      destinations: [{ match: { 'kuma.io/service': '*' } }],
    }),
  });
  expect(
    refused.status === 405,
    `a zone refuses to take policy itself (HTTP ${refused.status})`,
    `zone-1 accepted a policy write (HTTP ${refused.status})`,
  );

  section('Workloads, each with its sidecar; a zone ingress per zone');
  await startIngress('zone-1', cp['zone-1']);
  await startIngress('zone-2', cp['zone-2']);
  ok('zone ingresses up in zone-1 and zone-2, each with a zone token (zmctl generate zone-token)');
  const b1 = await httpApp(backend('backend1', 'zone-1'));
  const b2 = await httpApp(backend('backend2', 'zone-2'));
  const out = { backend1: await freePort(), backend2: await freePort() };
  const fe = await httpApp(frontend(out));
  const intruderOut = { backend1: await freePort(), backend2: await freePort() };
  const sc = {};
  sc.backend1 = await startSidecar('backend1-1', 'backend1', cp['zone-1'], b1.port);
  sc.backend2 = await startSidecar('backend2-1', 'backend2', cp['zone-2'], b2.port);
  sc.frontend = await startSidecar('frontend-1', 'frontend', cp['zone-1'], fe.port, out);
  sc.intruder = await startSidecar('intruder-1', 'intruder', cp['zone-1'], await freePort(), intruderOut);
  ok('sidecars up: frontend-1, backend1-1, intruder-1 (zone-1) · backend2-1 (zone-2)');
  console.log(dim('    each proves its name with a dataplane token (zmctl generate dataplane-token)'));
  const atGlobal = await waitFor(async () => {
    const list = await (await fetch(`${cp.global.api}/meshes/default/dataplanes`)).json();
    return list.total >= 4 ? list : undefined;
  }, 10_000);
  expect(
    atGlobal,
    `global sees every dataplane: ${atGlobal?.items.map((d) => d.name).join(', ')}`,
    'global did not receive every dataplane',
  );

  section(`Calls to the public frontend API  (GET http://127.0.0.1:${fe.port}/)`);
  t0 = performance.now();
  const both = await waitFor(
    async () => {
      const r = await get(fe.port);
      const body = r.ok ? JSON.parse(r.body) : {};
      return body.backend1?.zone && body.backend2?.zone ? body : undefined;
    },
    45_000,
    250,
  );
  if (!both) {
    fail('frontend never reached both backends');
    return;
  }
  ok(`mesh ready: first complete answer after ${ms(t0)}`);
  for (let i = 1; i <= 3; i++) {
    const body = JSON.parse((await get(fe.port)).body);
    const line = (svc) =>
      body[svc]?.zone
        ? `${svc} → "${body[svc].message}" (${body[svc].zone})`
        : `${svc} → ${body[svc]?.error}`;
    expect(
      body.backend1?.zone === 'zone-1' && body.backend2?.zone === 'zone-2',
      `call ${i}: ${line('backend1')}, ${line('backend2')}`,
    );
  }
  console.log(
    dim("    backend2 answered from zone-2: frontend's sidecar sent mTLS with SNI backend2{mesh=default}"),
  );
  console.log(dim("    to zone-2's ingress, which routed it without decrypting."));

  section('An unlisted client: intruder (zone-1) calls the backends');
  const deniedBefore = (await deniedCount(sc.backend1.admin)) + (await deniedCount(sc.backend2.admin));
  for (const svc of ['backend1', 'backend2']) {
    const r = await get(intruderOut[svc]);
    expect(!r.ok, `intruder → ${svc}: denied (${r.error ?? `HTTP ${r.status}`})`, `intruder reached ${svc}!`);
  }
  const deniedAfter = (await deniedCount(sc.backend1.admin)) + (await deniedCount(sc.backend2.admin));
  expect(
    deniedAfter > deniedBefore,
    `the destination sidecars counted ${deniedAfter - deniedBefore} denied connection(s) (zonemesh_proxy_denied_connections_total)`,
    'no denial was counted by the destination sidecars',
  );
  const why = JSON.parse(
    zmctl([
      '--cp',
      cp.global.api,
      'inspect',
      'traffic',
      '--mesh',
      'default',
      '--source',
      'kuma.io/service=intruder',
      '--destination',
      'kuma.io/service=backend2',
      '-o',
      'json',
    ]),
  );
  indent(`zmctl inspect traffic: ${why.decision} — ${why.reason}`);

  section('Revoke frontend → backend2 at global  (zmctl delete traffic-permission frontend-to-backend2)');
  zmctl(['--cp', cp.global.api, 'delete', 'traffic-permission', 'frontend-to-backend2', '--mesh', 'default']);
  t0 = performance.now();
  const cut = await waitFor(async () => !JSON.parse((await get(fe.port)).body).backend2?.zone, 5_000, 50);
  expect(
    cut,
    `frontend → backend2 denied ${ms(t0)} after the delete at global`,
    'frontend still reaches backend2 after the permission was deleted',
  );
  zmctl(['--cp', cp.global.api, 'apply', '-f', join(root, 'examples', 'policies.yaml')]);
  t0 = performance.now();
  const back = await waitFor(async () => JSON.parse((await get(fe.port)).body).backend2?.zone, 5_000, 50);
  expect(
    back,
    `permission applied again: frontend → backend2 allowed after ${ms(t0)}`,
    'frontend → backend2 did not come back',
  );

  section("backend2's app dies, then comes back");
  const advertised = async () => {
    const r = await fetch(`${cp.global.api}/zoneingresses/zone-2.ingress-zone-2`);
    if (!r.ok) return undefined;
    const svc = ((await r.json()).availableServices ?? []).find(
      (a) => a.tags?.['kuma.io/service'] === 'backend2',
    );
    return svc?.instances ?? 0;
  };
  await b2.stop();
  t0 = performance.now();
  const gone = await waitFor(async () => JSON.parse((await get(fe.port)).body).backend2?.error, 30_000, 250);
  expect(
    gone,
    `frontend → backend2 fails (${gone}) after ${ms(t0)}; frontend → backend1 unaffected`,
    'the dead backend2 was never noticed',
  );
  const withdrawn = await waitFor(async () => (await advertised()) === 0, 30_000, 100);
  expect(
    withdrawn,
    `backend2-1's sidecar reported its app down: zone-2's ingress advertises 0 healthy backend2 (seen at global after ${ms(t0)})`,
    "zone-2's ingress still advertises backend2",
  );
  await b2.start();
  t0 = performance.now();
  const healed = await waitFor(async () => JSON.parse((await get(fe.port)).body).backend2?.zone, 30_000, 250);
  expect(healed, `backend2 is back: answering again after ${ms(t0)}`, 'backend2 never came back');
  const readvertised = await waitFor(async () => (await advertised()) === 1, 30_000, 100);
  expect(
    readvertised,
    `zone-2's ingress advertises backend2 again (1 healthy instance, ${ms(t0)})`,
    "zone-2's ingress never advertised backend2 again",
  );

  section('Zones, as global sees them  (zmctl inspect zones)');
  await waitFor(
    async () =>
      (await (await fetch(`${cp.global.api}/zones/_overview`)).json()).items?.every(
        (z) => z.online && z.lag === 0,
      ),
    10_000,
  );
  const zones = zmctl(['--cp', cp.global.api, 'inspect', 'zones']);
  indent(zones);
  expect((zones.match(/Online/g) ?? []).length === 2, 'both zones Online', 'expected both zones Online');

  console.log(
    failures === 0
      ? `\n${paint('1;32', '✔ Every expected outcome held.')}`
      : `\n${paint('1;31', `✘ ${failures} expected outcome(s) did not hold.`)}`,
  );
  if (!once) {
    console.log(`
${bold('Still running. Try:')}
  GUI (global)       ${cp.global.api}/gui/
  REST API (global)  ${cp.global.api}/meshes/default/traffic-permissions
  Metrics            ${cp.global.api}/metrics · frontend sidecar ${sc.frontend.admin}/metrics
  The frontend API   curl http://127.0.0.1:${fe.port}/
  zmctl              npx zmctl --cp ${cp.global.api} inspect zones
${dim('Ctrl-C stops everything.')}`);
    await new Promise((resolve) => process.once('SIGINT', resolve));
    console.log('\nstopping…');
  }
}

let interrupted = false;
if (once) process.once('SIGINT', () => (interrupted = true));
try {
  await main();
} catch (err) {
  fail(`demo stopped: ${err instanceof Error ? err.message : String(err)}`);
  if (err?.stderr) indent(String(err.stderr));
}
await group.stopAll();
await Promise.all(servers.map((s) => s.stop().catch(() => {})));
rmSync(work, { recursive: true, force: true });
process.exit(failures === 0 && !interrupted ? 0 : 1);
