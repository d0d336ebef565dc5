import {
  dataplane,
  mesh,
  startNatsHubWithLeaves,
  trafficPermission,
  zoneIngress,
  type NatsHubWithLeaves,
} from '@zonemesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  contentHash,
  globalKinds,
  type Running,
  startGlobal,
  startZone,
  waitFor,
} from './__fixtures__/sync-harness.js';

const started: Running<unknown>[] = [];
let topology: NatsHubWithLeaves | undefined;
afterEach(async () => {
  await Promise.all(started.splice(0).map((side) => side.stop()));
  await topology?.stop();
});

describe('zones behind NATS leaf nodes (JetStream domains)', () => {
  it('syncs both ways through a leaf node per zone, and across a leaf link outage', async () => {
    topology = await startNatsHubWithLeaves({ leaves: ['zone-1', 'zone-2'] });
    const hub = topology.hub;
    const g = startGlobal({ nats: { url: hub.url } });
    const z1 = startZone({ nats: { url: topology.leaf('zone-1').url, jsDomain: 'hub' }, zone: 'zone-1' });
    const z2 = startZone({ nats: { url: topology.leaf('zone-2').url, jsDomain: 'hub' }, zone: 'zone-2' });
    started.push(g, z1, z2);

    await g.store.create(mesh('default'));
    await g.store.create(trafficPermission('tp', 'default', '*', '*'));
    await z1.store.create(
      dataplane({ name: 'web', mesh: 'default', address: '10.0.0.1', inbound: [{ port: 80, tags: 'web' }] }),
    );
    await z1.store.create(zoneIngress({ name: 'ingress', zone: 'zone-1', address: '10.0.0.9', port: 10001 }));

    await waitFor('the policy in zone-2', () =>
      z2.store.get({ type: 'TrafficPermission', mesh: 'default', name: 'tp' }),
    );
    await waitFor('the dataplane on global', () =>
      g.store.get({ type: 'Dataplane', mesh: 'default', name: 'zone-1.web' }),
    );
    await waitFor('zone-1 ingress in zone-2', () =>
      z2.store.get({ type: 'ZoneIngress', name: 'zone-1.ingress' }),
    );
    const overview = await waitFor('both zones online (heartbeats cross the leaf links)', () => {
      const zones = g.sync.zones().filter((zone) => zone.online);
      return zones.length === 2 ? zones : undefined;
    });
    expect(overview.map((zone) => zone.name)).toEqual(['zone-1', 'zone-2']);
    await waitFor('global heartbeats reach the zones', () => z1.sync.status().globalLastSeen);
    // A zone's delete travels through its leaf's JetStream domain too.
    await z1.store.delete({ type: 'Dataplane', mesh: 'default', name: 'web' });
    await waitFor(
      'the delete on global',
      async () =>
        (await g.store.get({ type: 'Dataplane', mesh: 'default', name: 'zone-1.web' })) === undefined,
    );

    // zone-2's leaf node restarts: its zone keeps its copies, then catches up.
    const leaf2 = topology.leaf('zone-2');
    await leaf2.kill();
    await g.store.create(trafficPermission('during-outage', 'default', 'a', 'b'));
    await waitFor('zone-1 gets the new policy', () =>
      z1.store.get({ type: 'TrafficPermission', mesh: 'default', name: 'during-outage' }),
    );
    expect(await z2.store.get({ type: 'TrafficPermission', mesh: 'default', name: 'tp' })).toBeDefined();
    await leaf2.restart();
    await topology.waitForLeaves(2);
    const want = await contentHash(g.store, globalKinds);
    await waitFor(
      'zone-2 converges after its leaf is back',
      async () =>
        (await contentHash(z2.store, globalKinds, (r) => r.meta.labels['kuma.io/origin'] === 'global'))
          .hash === want.hash,
      20_000,
    );
  }, 60_000);
});
