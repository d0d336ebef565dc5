/**
 * Zone isolation with the account layout of nats-accounts.ts: a zone's credentials can read what
 * zones need and write only that zone's own keys. Every attack in
 * shared/notes/nats-zone-isolation.md is tried, plus a push consumer whose deliver subject points
 * into the buckets, and global's data must come out unchanged.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import {
  dataplane,
  mesh,
  startNats,
  startNatsHubWithLeaves,
  trafficPermission,
  zoneIngress,
} from '@zonemesh/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Running, startGlobal, startZone, waitFor } from './__fixtures__/sync-harness.js';
import { openBucket, readBucket, watchBucket } from './kv-bucket.js';
import { meshApiPrefix, renderNatsAccounts, zoneInboxPrefix } from './nats-accounts.js';
import type { GlobalSync, NatsConnectionOptions, ZoneSync } from './sync-contract.js';
import { canonicalJson } from './wire-format.js';

const zones = ['zone-1', 'zone-2'];
const accounts = renderNatsAccounts({
  mesh: [{ user: 'global', password: 'global-secret' }],
  zones: zones.map((zone) => ({ zone, users: [{ user: zone, password: `${zone}-secret` }] })),
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zonemesh-isolation-'));
  writeFileSync(join(dir, 'global.creds'), 'global:global-secret\n');
  for (const zone of zones) writeFileSync(join(dir, `${zone}.creds`), `${zone}:${zone}-secret\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Everything zone-1 must not be able to change: global's bucket, zone-2's keys, and global's
 * store apart from zone-1's own copies (zone-1 may write its own keys, attacks included).
 */
async function globalView(admin: NatsConnection, g: Running<GlobalSync>): Promise<string> {
  const js = jetstream(admin);
  const read = async (bucket: string) =>
    [...(await readBucket(js, bucket, '>')).values()]
      .filter((e) => !e.key.startsWith('zone-1.'))
      .map((e) => [e.key, e.revision, new TextDecoder().decode(e.value)]);
  const store = await Promise.all(
    (['TrafficPermission', 'Mesh', 'Zone', 'Dataplane', 'ZoneIngress'] as const).map(async (type) =>
      (await g.store.list(type)).items
        .filter((r) => r.meta.labels['kuma.io/zone'] !== 'zone-1')
        .map((r) => [r.type, r.meta.name, r.meta.version]),
    ),
  );
  return canonicalJson({ global: await read('zm-global'), zones: await read('zm-zones'), store });
}

/** Runs every attack with zone-1's connection; each must fail or land nowhere. */
async function attack(nc: NatsConnection, js: JetStreamClient, prefix: string): Promise<string[]> {
  const refused: string[] = [];
  const attempt = async (name: string, run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
    } catch {
      refused.push(name);
    }
  };
  const zonesKv = await openBucket(js, 'zm-zones');
  const globalKv = await openBucket(js, 'zm-global');
  const evil = canonicalJson({
    v: '1.0',
    type: 'TrafficPermission',
    name: 'evil',
    mesh: 'default',
    labels: {},
    spec: {},
  });

  await attempt('write a global key', () => globalKv.put('TrafficPermission.default.evil', evil));
  await attempt('write a global key without the prefix', () =>
    jetstream(nc).publish('$KV.zm-global.TrafficPermission.default.evil', evil, { timeout: 1_000 }),
  );
  await attempt('write a zone-2 key', () => zonesKv.put('zone-2.Dataplane.default.evil', evil));
  await attempt('delete a zone-2 key', () => zonesKv.delete('zone-2.Dataplane.default.web'));
  await attempt('read zone-2 keys', async () => {
    const watch = await watchBucket(js, 'zm-zones', 'zone-2.>');
    watch.stop();
  });
  // Rollup on a key the zone may write: refused by the bucket, so zone-2's keys survive.
  await attempt('Nats-Rollup: all on an own key', () => {
    const h = headers();
    h.set('Nats-Rollup', 'all');
    return js.publish(`${prefix}.$KV.zm-zones.zone-1.Dataplane.default.web`, evil, {
      headers: h,
      timeout: 1_000,
    });
  });
  // Reply-subject redirects: allowed requests whose replies name global's or zone-2's keys.
  for (const reply of [
    '$KV.zm-global.TrafficPermission.default.redirected',
    '$KV.zm-zones.zone-2.Dataplane.default.redirected',
  ]) {
    nc.publish(`${prefix}.STREAM.INFO.KV_zm-global`, '', { reply });
    nc.publish(`${prefix}.$KV.zm-zones.zone-1.Dataplane.default.redirect`, evil, { reply });
    const h = headers();
    h.set('Nats-Rollup', 'all');
    nc.publish(`${prefix}.$KV.zm-zones.zone-1.Dataplane.default.redirect`, evil, { reply, headers: h });
  }
  // A push consumer on global's bucket whose deliver subject points into the buckets or at a
  // zone-2 heartbeat: JetStream delivers in the MESH account, so this must land nowhere.
  for (const [name, deliver] of [
    ['deliver-global', '$KV.zm-global.TrafficPermission.default.delivered'],
    ['deliver-zones', '$KV.zm-zones.zone-2.Dataplane.default.delivered'],
    ['deliver-heartbeat', 'zm.heartbeat.zone.zone-2'],
  ] as const) {
    const config = {
      name,
      deliver_subject: deliver,
      filter_subject: '$KV.zm-global.>',
      deliver_policy: 'all',
      ack_policy: 'none',
    };
    await nc
      .request(
        `${prefix}.CONSUMER.CREATE.KV_zm-global.${name}.$KV.zm-global.>`,
        JSON.stringify({ stream_name: 'KV_zm-global', config }),
        {
          timeout: 1_000,
        },
      )
      .catch(() => undefined);
  }
  // A heartbeat in zone-2's name.
  nc.publish(
    'zm.heartbeat.zone.zone-2',
    canonicalJson({
      v: '1.0',
      zone: 'zone-2',
      sentAt: new Date().toISOString(),
      appliedRevision: 0,
      resources: { Dataplane: 999 },
    }),
  );
  await nc.flush();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return refused;
}

const expectedRefusals = [
  'write a global key',
  'write a global key without the prefix',
  'write a zone-2 key',
  'delete a zone-2 key',
  'read zone-2 keys',
  'Nats-Rollup: all on an own key',
];

async function runTopology(options: {
  globalNats: NatsConnectionOptions;
  zoneNats: (zone: string) => NatsConnectionOptions;
  admin: () => Promise<NatsConnection>;
  attacker: () => Promise<{ nc: NatsConnection; js: JetStreamClient; prefix: string }>;
}): Promise<void> {
  const g = startGlobal({ nats: options.globalNats });
  cleanups.push(() => g.stop());
  const sides: Record<string, Running<ZoneSync>> = {};
  for (const zone of zones) {
    const side = startZone({ nats: options.zoneNats(zone), zone });
    cleanups.push(() => side.stop());
    sides[zone] = side;
  }
  const [z1, z2] = [sides['zone-1'], sides['zone-2']] as [Running<ZoneSync>, Running<ZoneSync>];

  // Sync works through the restricted accounts: down, up, across, heartbeats both ways.
  await g.store.create(mesh('default'));
  await g.store.create(trafficPermission('tp', 'default', '*', '*'));
  for (const [zone, side] of Object.entries(sides)) {
    await side.store.create(
      dataplane({ name: 'web', mesh: 'default', address: '10.0.0.1', inbound: [{ port: 80, tags: 'web' }] }),
    );
    await side.store.create(zoneIngress({ name: 'ingress', zone, address: '10.0.0.9', port: 10001 }));
  }
  await waitFor('the policy in zone-1', () =>
    z1.store.get({ type: 'TrafficPermission', mesh: 'default', name: 'tp' }),
  );
  await waitFor('zone-2 dataplane on global', () =>
    g.store.get({ type: 'Dataplane', mesh: 'default', name: 'zone-2.web' }),
  );
  await waitFor('zone-2 ingress in zone-1', () =>
    z1.store.get({ type: 'ZoneIngress', name: 'zone-2.ingress' }),
  );
  await waitFor('zone-1 ingress in zone-2', () =>
    z2.store.get({ type: 'ZoneIngress', name: 'zone-1.ingress' }),
  );
  await waitFor('both zones online', () => g.sync.zones().filter((zone) => zone.online).length === 2);
  await waitFor('global heartbeats in the zones', () => z1.sync.status().globalLastSeen);
  await waitFor('zone-1 mirror idle', async () => (await z1.metrics.getMetricsAsJSON()).length > 0);

  const admin = await options.admin();
  cleanups.push(async () => {
    await admin.close();
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = await globalView(admin, g);
  const zone2Before = canonicalJson((await z2.store.list('TrafficPermission')).items);

  const { nc, js, prefix } = await options.attacker();
  cleanups.push(async () => {
    await nc.close();
  });
  const refused = await attack(nc, js, prefix);
  expect(refused).toEqual(expectedRefusals);

  expect(await globalView(admin, g)).toBe(before);
  expect(canonicalJson((await z2.store.list('TrafficPermission')).items)).toBe(zone2Before);
  expect(g.sync.zones().find((zone) => zone.name === 'zone-2')?.resources['Dataplane']).toBe(1);
  // The zone's own sync still works afterwards.
  await z1.store.create(
    dataplane({ name: 'after', mesh: 'default', address: '10.0.0.2', inbound: [{ port: 80, tags: 'web' }] }),
  );
  await waitFor('a later zone-1 dataplane on global', () =>
    g.store.get({ type: 'Dataplane', mesh: 'default', name: 'zone-1.after' }),
  );
  // Deleting its own keys works through the account too (a delete marker on its own key).
  await z1.store.delete({ type: 'Dataplane', mesh: 'default', name: 'after' });
  await waitFor(
    'the zone-1 delete on global',
    async () =>
      (await g.store.get({ type: 'Dataplane', mesh: 'default', name: 'zone-1.after' })) === undefined,
  );
}

describe('zone isolation', () => {
  it('zones on the hub, one account each: refused everywhere but their own keys', async () => {
    const nats = await startNats({ config: accounts });
    cleanups.push(() => nats.stop());
    const zoneNats = (zone: string): NatsConnectionOptions => ({
      url: nats.url,
      credsFile: join(dir, `${zone}.creds`),
      jsApiPrefix: meshApiPrefix,
      inboxPrefix: zoneInboxPrefix(zone),
    });
    await runTopology({
      globalNats: { url: nats.url, credsFile: join(dir, 'global.creds') },
      zoneNats,
      admin: () => connect({ servers: nats.url, user: 'global', pass: 'global-secret' }),
      attacker: async () => {
        const nc = await connect({
          servers: nats.url,
          user: 'zone-1',
          pass: 'zone-1-secret',
          inboxPrefix: zoneInboxPrefix('zone-1'),
        });
        return { nc, js: jetstream(nc, { apiPrefix: meshApiPrefix, timeout: 1_000 }), prefix: meshApiPrefix };
      },
    });
    // Nothing a zone did needed more than its grants: the hub logged no permission violation
    // for the zones' own sync (the attacks above are refused by missing imports, not logged).
    expect(nats.output()).not.toMatch(/Permissions Violation.*zone-1.*_INBOX_zone-1/);
  }, 60_000);

  it('zones behind leaf nodes (JetStream domains): the hub enforces the zone accounts', async () => {
    const topology = await startNatsHubWithLeaves({
      leaves: zones,
      hubConfig: accounts,
      leafCredentials: (zone) => ({ user: zone, password: `${zone}-secret` }),
    });
    cleanups.push(() => topology.stop());
    // Behind a leaf the zone CP still uses the account's API prefix (not jsDomain: the hub's own
    // domain mapping answers $JS.hub.API in every account); the leaf logs in as the zone.
    const leafNats = (zone: string): NatsConnectionOptions => ({
      url: topology.leaf(zone).url,
      jsApiPrefix: meshApiPrefix,
      inboxPrefix: zoneInboxPrefix(zone),
    });
    await runTopology({
      globalNats: { url: topology.hub.url, credsFile: join(dir, 'global.creds') },
      zoneNats: leafNats,
      admin: () => connect({ servers: topology.hub.url, user: 'global', pass: 'global-secret' }),
      attacker: async () => {
        const nc = await connect({
          servers: topology.leaf('zone-1').url,
          inboxPrefix: zoneInboxPrefix('zone-1'),
        });
        return { nc, js: jetstream(nc, { apiPrefix: meshApiPrefix, timeout: 1_000 }), prefix: meshApiPrefix };
      },
    });
    // The same attacks through the hub's JetStream domain reach no JetStream at all.
    const nc = await connect({
      servers: topology.leaf('zone-1').url,
      inboxPrefix: zoneInboxPrefix('zone-1'),
    });
    cleanups.push(async () => {
      await nc.close();
    });
    expect(await attack(nc, jetstream(nc, { domain: 'hub', timeout: 1_000 }), '$JS.hub.API')).toEqual(
      expectedRefusals,
    );
  }, 60_000);

  it('a plain nats-server without auth still works (credentials stay optional)', async () => {
    const nats = await startNats();
    cleanups.push(() => nats.stop());
    const g = startGlobal({ nats: { url: nats.url } });
    const z = startZone({ nats: { url: nats.url }, zone: 'zone-1' });
    cleanups.push(
      () => g.stop(),
      () => z.stop(),
    );
    await g.store.create(mesh('default'));
    await waitFor('the mesh in the zone', () => z.store.get({ type: 'Mesh', name: 'default' }));
    const admin = await connect({ servers: nats.url });
    cleanups.push(async () => {
      await admin.close();
    });
    const info = await (await jetstreamManager(admin)).streams.info('KV_zm-global');
    expect(info.config.allow_rollup_hdrs).toBe(false);
  });
});
