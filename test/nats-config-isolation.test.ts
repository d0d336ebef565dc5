/**
 * The NATS configuration `zmctl generate nats-config` prints, run for real: nats-server from its
 * hub.conf, a global and two zone control planes logging in with its credentials. Sync, the CA
 * exchange (`zm.pki.sign.<zone>`) and global's token keys and revocations (`zm.auth.*`) work
 * through the zone accounts; a revocation made on global reaches the zones; and zone-1's
 * credentials, used by an attacker, cannot change global's data or zone-2's: direct writes,
 * reply-subject redirects into either bucket, a `Nats-Rollup: all` header, another zone's CA
 * subject — global's store and zone-2's data come out unchanged.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { createCsr } from '@zonemesh/pki';
import { freePort, type ManagedProcess, startProcess } from '@zonemesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ControlPlane,
  contentOf,
  eventually,
  getJson,
  put,
  startControlPlane,
  trafficPermission,
  zmctl,
} from './control-plane-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'zonemesh-nats-config-'));
let nats: ManagedProcess;
let natsUrl = '';
let global: ControlPlane;
const zones: Record<string, ControlPlane> = {};

const mtlsMesh = {
  type: 'Mesh',
  name: 'default',
  mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] },
};

function generate(cp: ControlPlane, args: string[]): string {
  return execFileSync(zmctl, ['--cp', cp.base, 'generate', ...args], { encoding: 'utf8' }).trim();
}

function dpServerOf(cp: ControlPlane): string {
  return `http://${cp.args[cp.args.indexOf('--dp-server-address') + 1]}`;
}

/** Registers a Dataplane with a CSR; the answer's certificate needs the zone's intermediate from global. */
async function registerWithCsr(zone: string, name: string, token: string) {
  const { csrPem } = await createCsr();
  const response = await fetch(`${dpServerOf(zones[zone] as ControlPlane)}/v1/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      v: '1',
      kind: 'Dataplane',
      csr: csrPem,
      resource: {
        type: 'Dataplane',
        mesh: 'default',
        name,
        networking: {
          address: '127.0.0.1',
          inbound: [
            { port: 20_000, servicePort: 20_001, tags: { 'kuma.io/service': name.replace(/-\d+$/, '') } },
          ],
        },
      },
    }),
  });
  return { status: response.status, body: (await response.json()) as { certificate?: { rootsPem: string } } };
}

beforeAll(async () => {
  const port = await freePort();
  const out = execFileSync(
    zmctl,
    [
      'generate',
      'nats-config',
      '--zones',
      'zone-1,zone-2',
      '--out-dir',
      dir,
      '--port',
      String(port),
      '--leafnode-port',
      String(await freePort()),
      '--store-dir',
      join(dir, 'jetstream'),
    ],
    { encoding: 'utf8' },
  );
  if (!out.includes(join(dir, 'hub.conf'))) throw new Error(`zmctl generate nats-config printed: ${out}`);
  nats = await startProcess({
    command: 'nats-server',
    args: ['-c', join(dir, 'hub.conf')],
    name: 'nats-hub',
    readyPort: port,
  });
  natsUrl = `nats://127.0.0.1:${port}`;
  global = await startControlPlane('global', [
    '--mode',
    'global',
    '--nats-url',
    natsUrl,
    '--nats-creds',
    join(dir, 'global.creds'),
  ]);
  for (const zone of ['zone-1', 'zone-2']) {
    zones[zone] = await startControlPlane(zone, [
      '--mode',
      'zone',
      '--zone',
      zone,
      '--nats-url',
      natsUrl,
      '--nats-creds',
      join(dir, `${zone}.creds`),
      '--nats-js-api-prefix',
      '$JS.mesh.API',
      '--nats-inbox-prefix',
      `_INBOX_${zone}`,
    ]);
  }
  if ((await put(global.base, '/meshes/default', mtlsMesh)) >= 300) throw new Error('mesh not written');
  await put(global.base, '/meshes/default/traffic-permissions/a-to-b', trafficPermission('a-to-b', 'a', 'b'));
});

afterAll(async () => {
  for (const cp of [...Object.values(zones), global]) await cp?.stop();
  await nats?.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('the generated NATS configuration', () => {
  it("carries global's policies to every zone through the zone accounts", async () => {
    const atGlobal = await contentOf(global.base, '/meshes/default/traffic-permissions');
    for (const zone of Object.values(zones)) {
      const copy = await eventually(
        `${zone.name} has global's policies`,
        async () => {
          const content = await contentOf(zone.base, '/meshes/default/traffic-permissions');
          return content.hash === atGlobal.hash ? content : undefined;
        },
        20_000,
      );
      expect(copy.names).toEqual(['a-to-b']);
    }
  });

  it('carries the CA exchange: each zone gets its intermediate from global (zm.pki.sign.<zone>)', async () => {
    for (const zone of ['zone-1', 'zone-2']) {
      const token = generate(zones[zone] as ControlPlane, [
        'dataplane-token',
        '--name',
        `b-${zone.slice(-1)}`,
      ]);
      const answer = await eventually(
        `a certificate in ${zone}`,
        async () => {
          const registered = await registerWithCsr(zone, `b-${zone.slice(-1)}`, token);
          return registered.body.certificate === undefined ? undefined : registered;
        },
        30_000,
        250,
      );
      expect(answer.body.certificate?.rootsPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    }
    await eventually(
      "global sees zone-2's dataplane",
      async () => (await getJson(global.base, '/meshes/default/dataplanes/zone-2.b-2')).status === 200,
      20_000,
    );
  });

  it("gives zones global's token keys, and a revocation on global reaches them", async () => {
    const user = generate(global, [
      'user-token',
      '--name',
      'ops',
      '--group',
      'mesh-system:admin',
      '--valid-for',
      '1h',
    ]);
    const dp = generate(global, ['dataplane-token', '--name', 'b-9', '--mesh', 'default']);
    const zone1 = zones['zone-1'] as ControlPlane;
    const asUser = () => fetch(`${zone1.base}/meshes`, { headers: { authorization: `Bearer ${user}` } });
    await eventually(
      "zone-1 accepts global's user token",
      async () => (await asUser()).status === 200,
      20_000,
    );
    expect((await registerWithCsr('zone-1', 'b-9', dp)).status).toBe(200);
    const file = join(dir, 'ops.token');
    writeFileSync(file, user);
    execFileSync(zmctl, ['--cp', global.base, 'revoke', 'token', '-f', file]);
    const [, payload] = dp.split('.');
    const { jti } = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as { jti: string };
    execFileSync(zmctl, ['--cp', global.base, 'revoke', 'token', jti]);
    const started = Date.now();
    await eventually(
      'zone-1 refuses the revoked user token',
      async () => (await asUser()).status === 401,
      10_000,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    await eventually(
      "zone-1 refuses global's revoked dataplane token",
      async () => (await registerWithCsr('zone-1', 'b-9', dp)).status === 401,
      5_000,
    );
    const zone2 = zones['zone-2'] as ControlPlane;
    await eventually(
      'zone-2 refuses it too',
      async () =>
        (await fetch(`${zone2.base}/meshes`, { headers: { authorization: `Bearer ${user}` } })).status ===
        401,
      10_000,
    );
  });

  it("keeps global's and zone-2's data unchanged whatever zone-1's credentials try", async () => {
    const snapshot = async () => ({
      globalPolicies: (await contentOf(global.base, '/meshes/default/traffic-permissions')).hash,
      globalMeshes: (await contentOf(global.base, '/meshes')).hash,
      zone2AtGlobal: (
        await contentOf(
          global.base,
          '/meshes/default/dataplanes',
          (item) => item.labels?.['kuma.io/zone'] === 'zone-2',
        )
      ).hash,
      zone2Policies: (
        await contentOf((zones['zone-2'] as ControlPlane).base, '/meshes/default/traffic-permissions')
      ).hash,
    });
    const before = await snapshot();
    const [user, password] = readFileSync(join(dir, 'zone-1.creds'), 'utf8').trim().split(':') as [
      string,
      string,
    ];
    const nc: NatsConnection = await connect({
      servers: natsUrl,
      user,
      pass: password,
      inboxPrefix: '_INBOX_zone-1',
    });
    const js = jetstream(nc, { apiPrefix: '$JS.mesh.API' });
    const refused: string[] = [];
    const attempt = async (name: string, run: () => Promise<unknown>) => {
      try {
        await run();
      } catch {
        refused.push(name);
      }
    };
    const evil = JSON.stringify({
      v: '1.1',
      type: 'TrafficPermission',
      name: 'evil',
      mesh: 'default',
      labels: {},
      spec: {},
    });
    await attempt('write a global key', () =>
      jetstream(nc).publish('$KV.zm-global.TrafficPermission.default.evil', evil, { timeout: 1_000 }),
    );
    await attempt('write a global key through the prefix', () =>
      js.publish('$JS.mesh.API.$KV.zm-global.TrafficPermission.default.evil', evil, { timeout: 1_000 }),
    );
    await attempt('write a zone-2 key', () =>
      js.publish('$JS.mesh.API.$KV.zm-zones.zone-2.Dataplane.default.evil', evil, { timeout: 1_000 }),
    );
    await attempt('Nats-Rollup: all on an own key', () => {
      const h = headers();
      h.set('Nats-Rollup', 'all');
      return js.publish('$JS.mesh.API.$KV.zm-zones.zone-1.Dataplane.default.x', evil, {
        headers: h,
        timeout: 1_000,
      });
    });
    await attempt("ask for zone-2's intermediate CA", () =>
      nc.request(
        'zm.pki.sign.zone-2',
        JSON.stringify({ v: '1', mesh: 'default', backend: 'ca-1', csr: 'x' }),
        {
          timeout: 1_000,
        },
      ),
    );
    for (const reply of [
      '$KV.zm-global.TrafficPermission.default.redirected',
      '$KV.zm-zones.zone-2.Dataplane.default.redirected',
    ]) {
      nc.publish('$JS.mesh.API.STREAM.INFO.KV_zm-global', '', { reply });
      nc.publish('$JS.mesh.API.$KV.zm-zones.zone-1.Dataplane.default.redirect', evil, { reply });
      const h = headers();
      h.set('Nats-Rollup', 'all');
      nc.publish('$JS.mesh.API.$KV.zm-zones.zone-1.Dataplane.default.redirect', evil, { reply, headers: h });
      nc.publish('zm.auth.state.zone-1', JSON.stringify({ v: '1' }), { reply });
    }
    await nc.flush();
    await nc.close();
    expect(refused).toEqual([
      'write a global key',
      'write a global key through the prefix',
      'write a zone-2 key',
      'Nats-Rollup: all on an own key',
      "ask for zone-2's intermediate CA",
    ]);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await snapshot()).toEqual(before);
    expect((await getJson(global.base, '/meshes/default/traffic-permissions/evil')).status).toBe(404);
    expect((await getJson(global.base, '/meshes/default/traffic-permissions/redirected')).status).toBe(404);
  });
});
