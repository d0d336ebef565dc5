/**
 * Global and NATS go away. Fail-static: every zone keeps serving its data on the REST API (and
 * registering dataplanes), and a zone CP on Redis restarts meanwhile and serves everything it had. When NATS and global (on Redis
 * too, so its data survives) come back, the zone catches up with the changes global made while
 * the zone was down — only those travel — and global still holds the zone's dataplanes.
 */
import { startNats, startRedis, type NatsServer, type RedisServer } from '@zonemesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ControlPlane,
  contentOf,
  dataplane,
  del,
  eventually,
  getJson,
  globalFlags,
  put,
  scrape,
  startControlPlane,
  trafficPermission,
  zoneFlags,
} from './control-plane-process.js';

const planes: ControlPlane[] = [];
const servers: (NatsServer | RedisServer)[] = [];
afterEach(async () => {
  await Promise.all(planes.splice(0).map((cp) => cp.stop()));
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

const tps = '/meshes/default/traffic-permissions';
const dps = '/meshes/default/dataplanes';

describe('global and NATS down', () => {
  it('zones keep serving, a zone on Redis restarts meanwhile, and catches up when global is back', async () => {
    const nats = await startNats();
    const globalRedis = await startRedis({ appendonly: true });
    const zoneRedis = await startRedis({ appendonly: true });
    servers.push(nats, globalRedis, zoneRedis);
    const redisStore = (url: string): string[] => ['--store', 'redis', '--redis-url', url];
    const global = await startControlPlane('global', globalFlags(nats.url, redisStore(globalRedis.url)));
    planes.push(global);
    const zone1 = await startControlPlane('zone-1', zoneFlags('zone-1', nats.url, redisStore(zoneRedis.url)));
    const zone2 = await startControlPlane('zone-2', zoneFlags('zone-2', nats.url));
    planes.push(zone1, zone2);

    for (let i = 0; i < 50; i++) {
      expect(await put(global.base, `${tps}/p-${i}`, trafficPermission(`p-${i}`, `s-${i}`, 'api'))).toBe(201);
    }
    for (let i = 0; i < 3; i++) {
      expect(await put(zone1.base, `${dps}/web-${i}`, dataplane(`web-${i}`, 'web', 9000 + i))).toBe(201);
    }
    const before = await contentOf(global.base, tps);
    for (const zone of [zone1, zone2]) {
      await eventually(
        `${zone.name} in step`,
        async () => (await contentOf(zone.base, tps)).hash === before.hash,
      );
    }
    const zoneDps = await eventually('zone-1 dataplanes on global', async () => {
      const seen = await contentOf(global.base, dps);
      return seen.count === 3 ? seen : undefined;
    });

    // zone-1 goes down; global changes 30 policies meanwhile (20 new, 5 updated, 5 deleted).
    await zone1.stop();
    for (let i = 50; i < 70; i++) {
      expect(await put(global.base, `${tps}/p-${i}`, trafficPermission(`p-${i}`, `s-${i}`, 'api'))).toBe(201);
    }
    for (let i = 0; i < 5; i++) {
      expect(await put(global.base, `${tps}/p-${i}`, trafficPermission(`p-${i}`, 'changed', 'api'))).toBe(
        200,
      );
    }
    for (let i = 5; i < 10; i++) expect(await del(global.base, `${tps}/p-${i}`)).toBe(200);
    const after = await contentOf(global.base, tps);
    await eventually('zone-2 in step', async () => (await contentOf(zone2.base, tps)).hash === after.hash);

    // Global and NATS go away.
    await global.stop();
    await nats.kill();
    await eventually('zone-2 to notice', async () => {
      const { body } = await getJson(zone2.base, '/zones/_overview');
      return body.items[0]?.online === false;
    });
    // Fail-static: zone-2 serves everything it had, exactly, and still registers dataplanes.
    expect((await getJson(zone2.base, '/ready')).status).toBe(200);
    expect((await contentOf(zone2.base, tps)).hash).toBe(after.hash);
    expect(await put(zone2.base, `${dps}/api-0`, dataplane('api-0', 'api', 9100))).toBe(201);

    // zone-1 restarts on its Redis store with neither global nor NATS: it serves all it had.
    await zone1.restart();
    expect((await contentOf(zone1.base, tps)).hash).toBe(before.hash);
    expect((await contentOf(zone1.base, dps)).count).toBe(3);
    expect((await getJson(zone1.base, `${tps}/p-0`)).status).toBe(200);

    // NATS and global come back; global's data survived on Redis and zone-1 catches up.
    await nats.restart();
    await global.restart();
    expect((await contentOf(global.base, tps)).hash).toBe(after.hash);
    for (const zone of [zone1, zone2]) {
      await eventually(
        `${zone.name} to hold global set`,
        async () => (await contentOf(zone.base, tps)).hash === after.hash,
        20_000,
        200,
      );
    }
    // Only the 30 changes travelled to zone-1; global resent nothing it had already published.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(
      await scrape(zone1.base, 'zonemesh_sync_messages_total', {
        side: 'zone',
        direction: 'received',
        stream: 'global',
      }),
    ).toBe(30);
    expect(
      await scrape(global.base, 'zonemesh_sync_messages_total', {
        side: 'global',
        direction: 'sent',
        stream: 'global',
      }),
    ).toBe(0);
    expect(await scrape(zone1.base, 'zonemesh_sync_snapshots_total')).toBe(0);
    // Global kept zone-1's dataplanes throughout, and got the one zone-2 registered meanwhile.
    await eventually(
      "zone-2's dataplane on global",
      async () => (await getJson(global.base, `${dps}/zone-2.api-0`)).status === 200,
    );
    expect((await contentOf(global.base, dps, (item) => item.name.startsWith('zone-1.'))).hash).toBe(
      zoneDps.hash,
    );
  });
});
