import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createMemoryStore, createRedisStore } from '@zonemesh/store';
import {
  dataplane,
  mesh,
  startNats,
  startRedis,
  trafficPermission,
  type NatsServer,
} from '@zonemesh/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  contentHash,
  globalKinds,
  metricValue,
  type Running,
  startGlobal,
  startZone,
  waitFor,
} from './__fixtures__/sync-harness.js';
import type { ResourceStore } from '@zonemesh/store';
import { ensureBucket } from './kv-bucket.js';

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNats();
});
afterAll(async () => {
  await nats.stop();
});

async function deleteBuckets(): Promise<void> {
  const nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  for (const stream of ['KV_zm-global', 'KV_zm-zones']) await jsm.streams.delete(stream).catch(() => false);
  await nc.close();
}

const started: Running<unknown>[] = [];
beforeEach(deleteBuckets);
afterEach(async () => {
  await Promise.all(started.splice(0).map((side) => side.stop()));
});

function global(store?: ResourceStore) {
  const side = startGlobal({ nats: { url: nats.url }, ...(store === undefined ? {} : { store }) });
  started.push(side);
  return side;
}
function zone(name: string, store?: ResourceStore) {
  const side = startZone({ nats: { url: nats.url }, zone: name, ...(store === undefined ? {} : { store }) });
  started.push(side);
  return side;
}

/** Waits until the zone's copies of global kinds equal global's originals (content hash). */
async function converged(globalStore: ResourceStore, zoneStore: ResourceStore): Promise<void> {
  await waitFor('the zone to hold exactly global set', async () => {
    const want = await contentHash(globalStore, globalKinds);
    const have = await contentHash(
      zoneStore,
      globalKinds,
      (r) => r.meta.labels['kuma.io/origin'] === 'global',
    );
    return want.hash === have.hash;
  });
}

const received = (side: Running<unknown>, stream: 'global' | 'zones') =>
  metricValue(side.metrics, 'zonemesh_sync_messages_total', { direction: 'received', stream });
const sent = (side: Running<unknown>, stream: 'global' | 'zones') =>
  metricValue(side.metrics, 'zonemesh_sync_messages_total', { direction: 'sent', stream });

describe('resume', () => {
  it('a zone restarted on its store receives only what changed meanwhile and sends nothing unchanged', async () => {
    const g = global();
    await g.store.create(mesh('default'));
    for (let i = 0; i < 20; i++) await g.store.create(trafficPermission(`tp-${i}`, 'default', `s${i}`, '*'));
    const zoneStore = createMemoryStore();
    await zoneStore.create(
      dataplane({
        name: 'web-1',
        mesh: 'default',
        address: '10.0.0.1',
        inbound: [{ port: 80, tags: 'web' }],
      }),
    );
    let z = zone('zone-1', zoneStore);
    await waitFor('the dataplane on global', () =>
      g.store.get({ type: 'Dataplane', mesh: 'default', name: 'zone-1.web-1' }),
    );
    await waitFor('Zone zone-1 on global', () => g.store.get({ type: 'Zone', name: 'zone-1' }));
    await converged(g.store, zoneStore);
    expect(await metricValue(z.metrics, 'zonemesh_sync_snapshots_total')).toBe(1);
    await z.stop();

    // Four changes while the zone is away.
    await g.store.update(trafficPermission('tp-1', 'default', 'changed', '*'));
    await g.store.update(trafficPermission('tp-2', 'default', 'changed', '*'));
    await g.store.delete({ type: 'TrafficPermission', mesh: 'default', name: 'tp-3' });
    await g.store.create(trafficPermission('tp-new', 'default', 'new', '*'));
    // Wait until global published them (its own sent counter), so the zone cannot race ahead.
    await waitFor(
      'global to publish the four changes',
      async () => (await sent(g, 'global')) >= 20 + 1 + 1 + 4 + 1,
    );

    z = zone('zone-1', zoneStore);
    await converged(g.store, zoneStore);
    await waitFor('the zone to report it resumed', () => z.logs.find('resuming sync').length > 0);
    expect(await received(z, 'global')).toBe(4);
    expect(await metricValue(z.metrics, 'zonemesh_sync_snapshots_total')).toBe(0);
    // Its own unchanged dataplane is not sent again.
    await waitFor('the zone mirror in sync', () => z.sync.status().connected);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await sent(z, 'zones')).toBe(0);
  });

  it('global restarted on its store receives only the zone changes made meanwhile and resends nothing', async () => {
    const globalStore = createMemoryStore();
    let g = global(globalStore);
    await globalStore.create(mesh('default'));
    const z = zone('zone-1');
    for (let i = 0; i < 5; i++) {
      await z.store.create(
        dataplane({
          name: `dp-${i}`,
          mesh: 'default',
          address: `10.0.0.${i}`,
          inbound: [{ port: 80, tags: 'web' }],
        }),
      );
    }
    await waitFor('five dataplanes on global', async () => (await globalStore.list('Dataplane')).total === 5);
    await converged(globalStore, z.store);
    await g.stop();

    await z.store.delete({ type: 'Dataplane', mesh: 'default', name: 'dp-0' });
    await z.store.create(
      dataplane({
        name: 'dp-new',
        mesh: 'default',
        address: '10.0.1.1',
        inbound: [{ port: 80, tags: 'web' }],
      }),
    );
    // The zone keeps publishing while global is away.
    await new Promise((resolve) => setTimeout(resolve, 500));

    g = global(globalStore);
    await waitFor('the new dataplane on global', () =>
      globalStore.get({ type: 'Dataplane', mesh: 'default', name: 'zone-1.dp-new' }),
    );
    await waitFor(
      'dp-0 gone from global',
      async () =>
        (await globalStore.get({ type: 'Dataplane', mesh: 'default', name: 'zone-1.dp-0' })) === undefined,
    );
    expect(await received(g, 'zones')).toBe(2);
    expect(await metricValue(g.metrics, 'zonemesh_sync_snapshots_total')).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await sent(g, 'global')).toBe(0);
  });
});

describe('resume with a Redis store', () => {
  it('a zone control plane restarted on Redis resumes from the checkpoint written with its data', async () => {
    const redis = await startRedis({ appendonly: true });
    try {
      const g = global();
      await g.store.create(mesh('default'));
      for (let i = 0; i < 10; i++)
        await g.store.create(trafficPermission(`tp-${i}`, 'default', `s${i}`, '*'));
      let zoneStore = createRedisStore({ url: redis.url });
      let z = zone('zone-1', zoneStore);
      await waitFor('Zone zone-1 on global', () => g.store.get({ type: 'Zone', name: 'zone-1' }));
      await converged(g.store, zoneStore);
      await z.stop();
      await zoneStore.close();
      // Redis itself restarts too: the checkpoint lives with the data.
      await redis.restart();

      await g.store.update(trafficPermission('tp-1', 'default', 'changed', '*'));
      await g.store.delete({ type: 'TrafficPermission', mesh: 'default', name: 'tp-2' });
      await waitFor(
        'global to publish the two changes',
        async () => (await sent(g, 'global')) >= 10 + 1 + 1 + 2 + 1,
      );

      zoneStore = createRedisStore({ url: redis.url });
      z = zone('zone-1', zoneStore);
      await converged(g.store, zoneStore);
      expect(await received(z, 'global')).toBe(2);
      expect(await metricValue(z.metrics, 'zonemesh_sync_snapshots_total')).toBe(0);
      await z.stop();
      await zoneStore.close();
    } finally {
      await redis.stop();
    }
  });
});

describe('snapshot', () => {
  it('when the history is gone, deletes local copies only once a complete snapshot is in', async () => {
    const globalStore = createMemoryStore();
    let g = global(globalStore);
    await globalStore.create(mesh('default'));
    for (let i = 0; i < 10; i++)
      await globalStore.create(trafficPermission(`tp-${i}`, 'default', `s${i}`, '*'));
    const zoneStore = createMemoryStore();
    await zoneStore.create(
      dataplane({ name: 'own', mesh: 'default', address: '10.0.0.1', inbound: [{ port: 80, tags: 'web' }] }),
    );
    let z = zone('zone-1', zoneStore);
    await waitFor('Zone zone-1 on global', () => globalStore.get({ type: 'Zone', name: 'zone-1' }));
    await converged(globalStore, zoneStore);
    await z.stop();
    await g.stop();

    // Changes while everything is down, then the bucket's history is lost for good.
    await globalStore.delete({ type: 'TrafficPermission', mesh: 'default', name: 'tp-0' });
    await globalStore.update(trafficPermission('tp-1', 'default', 'changed', '*'));
    await globalStore.create(trafficPermission('tp-new', 'default', 'new', '*'));
    await deleteBuckets();

    // The zone comes back first: with no bucket, then an empty one (global has not published into
    // it yet), it must not delete anything.
    const before = await contentHash(zoneStore, globalKinds);
    z = zone('zone-1', zoneStore);
    await waitFor('the zone to wait for the bucket', () => z.logs.find('does not exist yet').length > 0);
    const nc = await connect({ servers: nats.url });
    await ensureBucket(await jetstreamManager(nc), 'zm-global');
    await nc.close();
    await waitFor('the zone to start a snapshot', () => z.logs.find('taking a full snapshot').length > 0);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await contentHash(zoneStore, globalKinds)).hash).toBe(before.hash);
    expect(await zoneStore.get({ type: 'TrafficPermission', mesh: 'default', name: 'tp-0' })).toBeDefined();

    // Global comes back, republishes everything and marks the bucket ready: now the zone converges.
    g = global(globalStore);
    await converged(globalStore, zoneStore);
    expect(await zoneStore.get({ type: 'TrafficPermission', mesh: 'default', name: 'tp-0' })).toBeUndefined();
    expect(await zoneStore.get({ type: 'Dataplane', mesh: 'default', name: 'own' })).toBeDefined();
    expect(z.logs.find('snapshot applied').length).toBe(1);
    // The zone's own dataplane was published again into the new bucket.
    await waitFor('the dataplane back on global', () =>
      globalStore.get({ type: 'Dataplane', mesh: 'default', name: 'zone-1.own' }),
    );
  });

  it('global keeps zone copies when a zone’s data is missing from its snapshot, until the zone is back', async () => {
    const globalStore = createMemoryStore();
    let g = global(globalStore);
    const z = zone('zone-1');
    await z.store.create(
      dataplane({ name: 'dp', mesh: 'default', address: '10.0.0.1', inbound: [{ port: 80, tags: 'web' }] }),
    );
    await waitFor('the dataplane on global', () =>
      globalStore.get({ type: 'Dataplane', mesh: 'default', name: 'zone-1.dp' }),
    );
    await z.stop();
    await g.stop();
    await deleteBuckets();
    g = global(globalStore);
    await waitFor('global to take a snapshot', () => g.logs.find('snapshot applied').length > 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The zone never wrote its ready marker into the new bucket: its copies stay.
    expect(await globalStore.get({ type: 'Dataplane', mesh: 'default', name: 'zone-1.dp' })).toBeDefined();
  });
});
