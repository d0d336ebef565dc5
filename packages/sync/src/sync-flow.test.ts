import { keyOf } from '@zonemesh/api';
import {
  dataplane,
  mesh,
  meshTrafficPermission,
  startNats,
  trafficPermission,
  zone,
  zoneIngress,
  type NatsServer,
} from '@zonemesh/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  contentHash,
  globalKinds,
  metricValue,
  type Running,
  startGlobal,
  startZone,
  waitFor,
} from './__fixtures__/sync-harness.js';
import type { GlobalSync, ZoneSync } from './sync-contract.js';
import { wireVersion } from './wire-format.js';

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNats();
});
afterAll(async () => {
  await nats.stop();
});

const started: Running<unknown>[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((side) => side.stop()));
});

/** Each test gets fresh buckets: earlier tests' data must not leak in. */
async function freshTopology(zones: readonly string[]): Promise<{
  global: Running<GlobalSync>;
  zones: Running<ZoneSync>[];
}> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  for (const stream of ['KV_zm-global', 'KV_zm-zones']) await jsm.streams.delete(stream).catch(() => false);
  await nc.close();
  const global = startGlobal({ nats: { url: nats.url } });
  started.push(global);
  const zoneSides = zones.map((name) => startZone({ nats: { url: nats.url }, zone: name }));
  started.push(...zoneSides);
  return { global, zones: zoneSides };
}

describe('sync flow', () => {
  it('copies policies down to every zone with kuma.io/origin: global', async () => {
    const { global, zones } = await freshTopology(['zone-1', 'zone-2']);
    await global.store.create(mesh('default'));
    await global.store.create(trafficPermission('allow-all', 'default', '*', '*'));
    await global.store.create(meshTrafficPermission('mtp-1', 'default', 'web', 'Allow', 'backend'));

    for (const side of zones) {
      const copy = await waitFor('the policy in the zone', () =>
        side.store.get({ type: 'MeshTrafficPermission', mesh: 'default', name: 'mtp-1' }),
      );
      expect(copy.meta.labels['kuma.io/origin']).toBe('global');
      expect(copy.spec).toEqual(meshTrafficPermission('mtp-1', 'default', 'web', 'Allow', 'backend').spec);
      await waitFor('the mesh in the zone', () => side.store.get({ type: 'Mesh', name: 'default' }));
      await waitFor('the traffic permission in the zone', () =>
        side.store.get({ type: 'TrafficPermission', mesh: 'default', name: 'allow-all' }),
      );
    }

    // An update and a delete reach every zone too.
    await global.store.update(meshTrafficPermission('mtp-1', 'default', 'web', 'Deny', 'backend'));
    await global.store.delete({ type: 'TrafficPermission', mesh: 'default', name: 'allow-all' });
    for (const side of zones) {
      await waitFor('the update in the zone', async () => {
        const copy = await side.store.get({ type: 'MeshTrafficPermission', mesh: 'default', name: 'mtp-1' });
        return JSON.stringify(copy?.spec).includes('Deny');
      });
      await waitFor(
        'the delete in the zone',
        async () =>
          (await side.store.get({ type: 'TrafficPermission', mesh: 'default', name: 'allow-all' })) ===
          undefined,
      );
    }
    const globalHash = await contentHash(global.store, globalKinds);
    for (const side of zones) {
      await waitFor('the zone to hold exactly global set', async () => {
        const zoneHash = await contentHash(
          side.store,
          globalKinds,
          (r) => r.meta.labels['kuma.io/origin'] === 'global',
        );
        return zoneHash.hash === globalHash.hash;
      });
    }
  });

  it('copies dataplanes up as <zone>.<name> and ingresses across to the other zones', async () => {
    const { global, zones } = await freshTopology(['zone-1', 'zone-2']);
    const [zone1, zone2] = zones as [Running<ZoneSync>, Running<ZoneSync>];
    await global.store.create(mesh('default'));
    await zone1.store.create(
      dataplane({
        name: 'web-1',
        mesh: 'default',
        address: '10.0.0.1',
        inbound: [{ port: 8080, tags: 'web' }],
      }),
    );
    await zone1.store.create(
      zoneIngress({
        name: 'ingress',
        zone: 'zone-1',
        address: '10.0.0.9',
        port: 10001,
        availableServices: [{ tags: { 'kuma.io/service': 'web' }, instances: 1, mesh: 'default' }],
      }),
    );

    const dp = await waitFor('the dataplane on global', () =>
      global.store.get({ type: 'Dataplane', mesh: 'default', name: 'zone-1.web-1' }),
    );
    expect(dp.meta.labels).toMatchObject({
      'kuma.io/zone': 'zone-1',
      'kuma.io/origin': 'zone',
      'kuma.io/display-name': 'web-1',
    });
    const ingressOnGlobal = await waitFor('the ingress on global', () =>
      global.store.get({ type: 'ZoneIngress', name: 'zone-1.ingress' }),
    );
    expect(ingressOnGlobal.meta.labels['kuma.io/zone']).toBe('zone-1');

    // zone-2 receives zone-1's ingress (same name and labels as on global), not its dataplane.
    const across = await waitFor('the ingress in zone-2', () =>
      zone2.store.get({ type: 'ZoneIngress', name: 'zone-1.ingress' }),
    );
    expect(across.meta.labels).toMatchObject({ 'kuma.io/zone': 'zone-1', 'kuma.io/origin': 'zone' });
    expect(across.spec).toEqual(ingressOnGlobal.spec);
    expect(
      await zone2.store.get({ type: 'Dataplane', mesh: 'default', name: 'zone-1.web-1' }),
    ).toBeUndefined();
    // zone-1 does not get its own ingress back as a copy.
    expect(await zone1.store.get({ type: 'ZoneIngress', name: 'zone-1.ingress' })).toBeUndefined();

    // Global registered both zones as Zone resources, which flow to the zones as well.
    await waitFor(
      'Zone resources on global',
      async () => (await global.store.get({ type: 'Zone', name: 'zone-2' })) !== undefined,
    );
    await waitFor('Zone zone-1 in zone-2', () => zone2.store.get({ type: 'Zone', name: 'zone-1' }));

    // Deleting in the zone deletes on global and in the other zones.
    await zone1.store.delete(keyOf(zoneIngress({ name: 'ingress', zone: 'zone-1', address: 'x', port: 1 })));
    await zone1.store.delete({ type: 'Dataplane', mesh: 'default', name: 'web-1' });
    await waitFor(
      'the dataplane gone from global',
      async () =>
        (await global.store.get({ type: 'Dataplane', mesh: 'default', name: 'zone-1.web-1' })) === undefined,
    );
    await waitFor(
      'the ingress gone from zone-2',
      async () => (await zone2.store.get({ type: 'ZoneIngress', name: 'zone-1.ingress' })) === undefined,
    );
  });

  it('withholds a disabled zone’s ingresses from the other zones and restores them when enabled', async () => {
    const { global, zones } = await freshTopology(['zone-1', 'zone-2']);
    const [zone1, zone2] = zones as [Running<ZoneSync>, Running<ZoneSync>];
    await zone1.store.create(
      zoneIngress({ name: 'ingress', zone: 'zone-1', address: '10.0.0.9', port: 10001 }),
    );
    await waitFor('the ingress in zone-2', () =>
      zone2.store.get({ type: 'ZoneIngress', name: 'zone-1.ingress' }),
    );
    await waitFor('Zone zone-1 on global', () => global.store.get({ type: 'Zone', name: 'zone-1' }));

    await global.store.update(zone('zone-1', false));
    await waitFor(
      'the ingress withdrawn from zone-2',
      async () => (await zone2.store.get({ type: 'ZoneIngress', name: 'zone-1.ingress' })) === undefined,
    );
    // Global still has the zone's data, and the overview says the zone is disabled.
    expect(await global.store.get({ type: 'ZoneIngress', name: 'zone-1.ingress' })).toBeDefined();
    expect(global.sync.zones().find((z) => z.name === 'zone-1')?.disabled).toBe(true);

    await global.store.update(zone('zone-1', true));
    await waitFor('the ingress back in zone-2', () =>
      zone2.store.get({ type: 'ZoneIngress', name: 'zone-1.ingress' }),
    );
  });

  it('reports zones online with their counts and lag, and status on the zone side', async () => {
    const { global, zones } = await freshTopology(['zone-1']);
    const [zone1] = zones as [Running<ZoneSync>];
    await zone1.store.create(
      dataplane({
        name: 'web-1',
        mesh: 'default',
        address: '10.0.0.1',
        inbound: [{ port: 8080, tags: 'web' }],
      }),
    );
    await global.store.create(mesh('default'));
    const overview = await waitFor('zone-1 online with one dataplane and no lag', () => {
      const found = global.sync.zones().find((z) => z.name === 'zone-1');
      return found?.online === true && found.resources['Dataplane'] === 1 && found.lag === 0
        ? found
        : undefined;
    });
    expect(overview.wireVersion).toBe(wireVersion);
    expect(overview.problem).toBeUndefined();
    expect(Date.parse(overview.lastSeen ?? '')).toBeGreaterThan(Date.now() - 10_000);
    await waitFor('the dataplane on global', () =>
      global.store.get({ type: 'Dataplane', mesh: 'default', name: 'zone-1.web-1' }),
    );
    const status = zone1.sync.status();
    expect(status.connected).toBe(true);
    expect(status.appliedRevision).toBeGreaterThan(0);
    expect(status.lastError).toBeUndefined();

    // Per-zone series: the last heartbeat's time, and what global received labelled by its zone.
    const lastSeen = await metricValue(global.metrics, 'zonemesh_sync_zone_last_seen_timestamp_seconds', {
      zone: 'zone-1',
    });
    expect(Math.abs(lastSeen - Date.now() / 1000)).toBeLessThan(10);
    for (const stream of ['zones', 'heartbeat']) {
      expect(
        await metricValue(global.metrics, 'zonemesh_sync_messages_total', {
          side: 'global',
          direction: 'received',
          stream,
          zone: 'zone-1',
        }),
      ).toBeGreaterThan(0);
    }
    expect(
      await metricValue(zone1.metrics, 'zonemesh_sync_messages_total', {
        side: 'zone',
        direction: 'sent',
        stream: 'zones',
        zone: 'zone-1',
      }),
    ).toBeGreaterThan(0);
  });
});
