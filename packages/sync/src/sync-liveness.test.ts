import { createMemoryStore } from '@zonemesh/store';
import { freePort, mesh, startNats, trafficPermission, dataplane, type NatsServer } from '@zonemesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  contentHash,
  globalKinds,
  metricValue,
  type Running,
  startGlobal,
  startZone,
  waitFor,
} from './__fixtures__/sync-harness.js';

const started: Running<unknown>[] = [];
const servers: NatsServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((side) => side.stop()));
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

describe('liveness', () => {
  it('marks a zone offline after the timeout without heartbeats and online again when it is back', async () => {
    const nats = await startNats();
    servers.push(nats);
    const g = startGlobal({ nats: { url: nats.url }, zoneOfflineTimeoutMs: 600 });
    const zoneStore = createMemoryStore();
    let z = startZone({
      nats: { url: nats.url },
      zone: 'zone-1',
      store: zoneStore,
      heartbeatIntervalMs: 100,
    });
    started.push(g, z);
    await waitFor('zone-1 online', () =>
      g.sync.zones().find((zone) => zone.name === 'zone-1' && zone.online),
    );
    expect(await metricValue(g.metrics, 'zonemesh_sync_zone_online', { zone: 'zone-1' })).toBe(1);

    await z.stop();
    const offline = await waitFor('zone-1 offline', () =>
      g.sync.zones().find((zone) => zone.name === 'zone-1' && !zone.online),
    );
    expect(offline.lastSeen).toBeDefined();
    expect(g.logs.find('zone offline')).toHaveLength(1);
    expect(await metricValue(g.metrics, 'zonemesh_sync_zone_online', { zone: 'zone-1' })).toBe(0);

    // While the zone is away global moves on: every change counts in the lag, deletes included.
    // (The zone may have left before reporting global's last writes: count from where it was.)
    const lagOf = (): number | undefined => g.sync.zones().find((zone) => zone.name === 'zone-1')?.lag;
    const before = lagOf() ?? 0;
    await g.store.create(mesh('default'));
    await g.store.create(trafficPermission('tp', 'default', '*', '*'));
    // Published before the delete: a create and a delete in one go coalesce into nothing.
    await waitFor('two more revisions of lag', () => lagOf() === before + 2);
    await g.store.delete({ type: 'TrafficPermission', mesh: 'default', name: 'tp' });
    await waitFor('the delete in the lag', () => lagOf() === before + 3);
    z = startZone({ nats: { url: nats.url }, zone: 'zone-1', store: zoneStore, heartbeatIntervalMs: 100 });
    started.push(z);
    await waitFor('zone-1 online again with no lag', () =>
      g.sync.zones().find((zone) => zone.name === 'zone-1' && zone.online && zone.lag === 0),
    );
    expect(g.logs.find('zone online').length).toBe(2);
  });

  it('reports applied changes and what the zone holds within moments, not one interval later', async () => {
    const nats = await startNats();
    servers.push(nats);
    const g = startGlobal({ nats: { url: nats.url } });
    // Periodic heartbeats far apart: only the prompt ones can bring the news in time.
    const z = startZone({ nats: { url: nats.url }, zone: 'zone-1', heartbeatIntervalMs: 60_000 });
    started.push(g, z);
    await waitFor('zone-1 online', () =>
      g.sync.zones().find((zone) => zone.name === 'zone-1' && zone.online),
    );
    const heartbeatsBefore = await metricValue(z.metrics, 'zonemesh_sync_messages_total', {
      direction: 'sent',
      stream: 'heartbeat',
    });

    const burstStart = Date.now();
    await g.store.create(mesh('default'));
    for (let i = 0; i < 60; i++) await g.store.create(trafficPermission(`tp-${i}`, 'default', `s-${i}`, '*'));
    for (let i = 0; i < 3; i++) {
      await z.store.create(
        dataplane({
          name: `dp-${i}`,
          mesh: 'default',
          address: '10.0.0.1',
          inbound: [{ port: 80 + i, tags: 'web' }],
        }),
      );
    }
    const caughtUp = await waitFor(
      'global to show zone-1 caught up with what it holds',
      () =>
        g.sync
          .zones()
          .find(
            (zone) =>
              zone.name === 'zone-1' &&
              zone.lag === 0 &&
              zone.resources['TrafficPermission'] === 60 &&
              zone.resources['Dataplane'] === 3,
          ),
      4_000,
    );
    expect(Date.now() - burstStart).toBeLessThan(4_000);
    // Everything the zone's store holds: global's copies (the Zone resource included) and its own.
    expect(caughtUp.resources).toEqual({ Mesh: 1, TrafficPermission: 60, Dataplane: 3, Zone: 1 });
    expect(caughtUp.wireVersion).toBe('1.1');
    // Debounced: a burst of 64 changes costs a handful of heartbeats, not one per change.
    const sent =
      (await metricValue(z.metrics, 'zonemesh_sync_messages_total', {
        direction: 'sent',
        stream: 'heartbeat',
      })) - heartbeatsBefore;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(30);

    // A delete is reported as promptly.
    await z.store.delete({ type: 'Dataplane', mesh: 'default', name: 'dp-0' });
    await waitFor(
      'the delete in the counts',
      () => g.sync.zones().find((zone) => zone.name === 'zone-1' && zone.resources['Dataplane'] === 2),
      2_000,
    );
  });

  it('a zone started before global syncs moments after global created the buckets', async () => {
    const nats = await startNats();
    servers.push(nats);
    const z = startZone({ nats: { url: nats.url }, zone: 'zone-1' });
    started.push(z);
    // While the buckets are missing the zone looks again at least every 500 ms (an exponential
    // backoff would have looked 4 times at most in 2.5 s, and then wait seconds more).
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(z.sync.status().lastError).toContain('does not exist yet');
    const looks = await metricValue(z.metrics, 'zonemesh_sync_errors_total', {
      side: 'zone',
      operation: 'watch',
    });
    expect(looks).toBeGreaterThanOrEqual(5);
    const g = startGlobal({ nats: { url: nats.url } });
    started.push(g);
    const globalStart = Date.now();
    await g.store.create(mesh('default'));
    await waitFor('the mesh in the zone', () => z.store.get({ type: 'Mesh', name: 'default' }), 5_000);
    expect(Date.now() - globalStart).toBeLessThan(2_000);
  });

  it('starts without NATS, keeps its store as is while NATS is down, and connects by itself', async () => {
    const port = await freePort();
    const url = `nats://127.0.0.1:${port}`;
    const zoneStore = createMemoryStore();
    await zoneStore.create(mesh('default', {}, { labels: { 'kuma.io/origin': 'global' } }));
    await zoneStore.create(
      trafficPermission('tp', 'default', '*', '*', { labels: { 'kuma.io/origin': 'global' } }),
    );
    const before = await contentHash(zoneStore, globalKinds);

    const startedAt = Date.now();
    const z = startZone({ nats: { url }, zone: 'zone-1', store: zoneStore });
    started.push(z);
    expect(Date.now() - startedAt).toBeLessThan(100);
    expect(z.sync.status().connected).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await contentHash(zoneStore, globalKinds)).hash).toBe(before.hash);
    expect(z.logs.find('cannot connect to nats').length).toBeGreaterThan(0);

    // NATS and global appear later: the zone connects on its own and converges.
    const nats = await startNats({ port });
    servers.push(nats);
    const g = startGlobal({ nats: { url } });
    started.push(g);
    await g.store.create(mesh('default'));
    await g.store.create(trafficPermission('tp', 'default', '*', '*'));
    await g.store.create(trafficPermission('tp-2', 'default', 'a', '*'));
    await waitFor(
      'the new policy in the zone',
      () => zoneStore.get({ type: 'TrafficPermission', mesh: 'default', name: 'tp-2' }),
      15_000,
    );
    expect(z.sync.status().connected).toBe(true);

    // NATS goes away: nothing is deleted in the zone.
    const settled = await contentHash(zoneStore, globalKinds);
    await nats.kill();
    await waitFor('the zone to notice', () => !z.sync.status().connected);
    await g.store.delete({ type: 'TrafficPermission', mesh: 'default', name: 'tp' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await contentHash(zoneStore, globalKinds)).hash).toBe(settled.hash);

    // Global stays fail-static for zone data too: its dataplane copies survive NATS being down.
    await nats.restart();
    await waitFor(
      'the delete in the zone after the restart',
      async () =>
        (await zoneStore.get({ type: 'TrafficPermission', mesh: 'default', name: 'tp' })) === undefined,
      15_000,
    );
    await z.store.create(
      dataplane({ name: 'dp', mesh: 'default', address: '10.0.0.1', inbound: [{ port: 80, tags: 'web' }] }),
    );
    await waitFor('the dataplane on global', () =>
      g.store.get({ type: 'Dataplane', mesh: 'default', name: 'zone-1.dp' }),
    );
    await nats.kill();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await g.store.get({ type: 'Dataplane', mesh: 'default', name: 'zone-1.dp' })).toBeDefined();
  });
});
