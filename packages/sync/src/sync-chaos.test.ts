import { mesh, startNats, trafficPermission, type NatsServer } from '@zonemesh/testkit';
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
let nats: NatsServer | undefined;
afterEach(async () => {
  await Promise.all(started.splice(0).map((side) => side.stop()));
  await nats?.stop();
});

describe('nats-server crash', () => {
  it('SIGKILL in the middle of 1,000 writes: every zone ends with exactly global set', async () => {
    nats = await startNats();
    const server = nats;
    const g = startGlobal({ nats: { url: server.url } });
    const zones = ['zone-1', 'zone-2', 'zone-3'].map((zone) =>
      startZone({ nats: { url: server.url }, zone }),
    );
    started.push(g, ...zones);
    await g.store.create(mesh('default'));
    for (const z of zones)
      await waitFor('the mesh in every zone', () => z.store.get({ type: 'Mesh', name: 'default' }));

    // 1,000 writes: creates, updates and deletes, with nats-server SIGKILLed at write 400 and
    // restarted (same port and store folder) at write 600. The store writes never wait for NATS.
    let restarted: Promise<void> | undefined;
    for (let i = 0; i < 1_000; i++) {
      const n = i % 300;
      if (i < 300) await g.store.create(trafficPermission(`tp-${n}`, 'default', `src-${i}`, '*'));
      else if (i % 3 === 0)
        await g.store
          .delete({ type: 'TrafficPermission', mesh: 'default', name: `tp-${n}` })
          .catch(() => undefined);
      else {
        const policy = trafficPermission(`tp-${n}`, 'default', `src-${i}`, '*');
        await ((await g.store.get({ type: 'TrafficPermission', mesh: 'default', name: `tp-${n}` })) ===
        undefined
          ? g.store.create(policy)
          : g.store.update(policy));
      }
      if (i === 400) await server.kill();
      if (i === 600) restarted = server.restart();
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await restarted;

    const want = await contentHash(g.store, globalKinds);
    for (const z of zones) {
      await waitFor(
        'the zone to hold exactly global set after the crash',
        async () => {
          const have = await contentHash(
            z.store,
            globalKinds,
            (r) => r.meta.labels['kuma.io/origin'] === 'global',
          );
          return have.hash === want.hash;
        },
        30_000,
      );
    }
    // The zones saw the connection drop and come back on their own.
    for (const z of zones) {
      expect(z.logs.find('disconnected from nats').length).toBeGreaterThan(0);
      expect(z.sync.status().connected).toBe(true);
    }
    expect(
      await metricValue(g.metrics, 'zonemesh_sync_errors_total', { operation: 'publish' }),
    ).toBeGreaterThan(0);
  }, 120_000);
});
