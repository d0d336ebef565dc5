/**
 * A zone CP goes offline while global makes 500 changes, then comes back: it receives exactly
 * those 500 changes (its own `/metrics`), sends nothing, and `zmctl inspect zones` at global shows
 * it Offline and then Online again. Also: right after changes, global shows the zone caught up
 * (LAG 0, its RESOURCES) within moments rather than at the next 5 s heartbeat.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startNats, startRedis, type NatsServer, type RedisServer } from '@zonemesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ControlPlane,
  contentOf,
  dataplane,
  del,
  eventually,
  globalFlags,
  listAll,
  put,
  scrape,
  startControlPlane,
  trafficPermission,
  zmctl,
  zoneFlags,
} from './control-plane-process.js';

const run = promisify(execFile);
const planes: ControlPlane[] = [];
const servers: (NatsServer | RedisServer)[] = [];
afterEach(async () => {
  await Promise.all(planes.splice(0).map((cp) => cp.stop()));
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

const tps = '/meshes/default/traffic-permissions';

/** `zmctl inspect zones` at `base`: the table, and the row of `zone` split in cells. */
async function inspectZones(base: string, zone: string): Promise<{ table: string; row: string[] }> {
  const { stdout } = await run(zmctl, ['inspect', 'zones', '--cp', base]);
  const line = stdout.split('\n').find((text) => text.startsWith(`${zone} `)) ?? '';
  // LAST SEEN is "3s ago": two words.
  return { table: stdout, row: line.split(/\s{2,}/) };
}

interface ZoneJson {
  name: string;
  online: boolean;
  lag: number;
  resources: Record<string, number>;
}

async function inspectZonesJson(base: string, zone: string): Promise<ZoneJson | undefined> {
  const { stdout } = await run(zmctl, ['inspect', 'zones', '--cp', base, '-o', 'json']);
  return (JSON.parse(stdout) as ZoneJson[]).find((item) => item.name === zone);
}

const received = (zone: ControlPlane): Promise<number> =>
  scrape(zone.base, 'zonemesh_sync_messages_total', {
    side: 'zone',
    direction: 'received',
    stream: 'global',
  });

describe('a zone offline while global changes', () => {
  it('gets only the changes made meanwhile, and shows Offline then Online', async () => {
    const nats = await startNats();
    const redis = await startRedis();
    servers.push(nats, redis);
    const global = await startControlPlane('global', globalFlags(nats.url, ['--zone-offline-timeout', '7s']));
    planes.push(global);
    const zone = await startControlPlane(
      'zone-1',
      zoneFlags('zone-1', nats.url, ['--store', 'redis', '--redis-url', redis.url]),
    );
    planes.push(zone);

    for (let i = 0; i < 100; i++) {
      expect(
        await put(global.base, `${tps}/base-${i}`, trafficPermission(`base-${i}`, `s-${i}`, 'api')),
      ).toBe(201);
    }
    for (let i = 0; i < 3; i++) {
      expect(
        await put(zone.base, `/meshes/default/dataplanes/web-${i}`, dataplane(`web-${i}`, 'web', 9000 + i)),
      ).toBe(201);
    }
    // Zones heartbeat every 5 s, and within moments of a change: global shows the zone caught up
    // with what it holds well before the next periodic heartbeat.
    const changedAt = Date.now();
    const caughtUp = await eventually(
      'global to show zone-1 caught up',
      async () => {
        const row = await inspectZonesJson(global.base, 'zone-1');
        return row?.online === true &&
          row.lag === 0 &&
          row.resources['TrafficPermission'] === 100 &&
          row.resources['Dataplane'] === 3
          ? row
          : undefined;
      },
      4_000,
      100,
    );
    expect(Date.now() - changedAt).toBeLessThan(4_000);
    // Everything the zone holds: global's Mesh, policies and Zone, and its own dataplanes.
    expect(caughtUp.resources).toEqual({ Mesh: 1, TrafficPermission: 100, Zone: 1, Dataplane: 3 });
    const online = await inspectZones(global.base, 'zone-1');
    expect(online.row.slice(0, 2)).toEqual(['zone-1', 'Online']);
    expect(online.row[3]).toBe('0');
    expect(online.row[4]).toBe('105');

    await zone.stop();
    const offline = await eventually(
      'zmctl to show zone-1 Offline',
      async () => {
        const seen = await inspectZones(global.base, 'zone-1');
        return seen.row[1] === 'Offline' ? seen : undefined;
      },
      20_000,
      250,
    );
    expect(offline.table).toMatch(/NAME\s+STATUS\s+LAST SEEN\s+LAG\s+RESOURCES/);
    // Fail-static: global keeps the offline zone's dataplanes.
    const dataplanes = (await listAll(global.base, '/meshes/default/dataplanes')).map((item) => item.name);
    expect(dataplanes.sort((a: string, b: string) => a.localeCompare(b))).toEqual([
      'zone-1.web-0',
      'zone-1.web-1',
      'zone-1.web-2',
    ]);

    // 500 changes, each to its own policy: 400 creates, 60 updates and 40 deletes.
    for (let i = 0; i < 400; i++) {
      expect(await put(global.base, `${tps}/new-${i}`, trafficPermission(`new-${i}`, `n-${i}`, 'api'))).toBe(
        201,
      );
    }
    for (let i = 0; i < 60; i++) {
      expect(
        await put(global.base, `${tps}/base-${i}`, trafficPermission(`base-${i}`, 'changed', 'api')),
      ).toBe(200);
    }
    for (let i = 60; i < 100; i++) expect(await del(global.base, `${tps}/base-${i}`)).toBe(200);
    const want = await contentOf(global.base, tps);
    expect(want.count).toBe(460);
    // Global's lag for the zone counts exactly those changes.
    expect((await inspectZonesJson(global.base, 'zone-1'))?.lag).toBe(500);

    await zone.restart();
    await eventually(
      'zone-1 to hold global set again',
      async () => (await contentOf(zone.base, tps)).hash === want.hash,
      20_000,
      200,
    );
    // Only the 500 changes travelled: no snapshot, nothing sent back up.
    await eventually('the received count to settle', async () => (await received(zone)) === 500, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await received(zone)).toBe(500);
    expect(await scrape(zone.base, 'zonemesh_sync_snapshots_total')).toBe(0);
    expect(
      await scrape(zone.base, 'zonemesh_sync_messages_total', {
        side: 'zone',
        direction: 'sent',
        stream: 'zones',
      }),
    ).toBe(0);

    await eventually(
      'zmctl to show zone-1 Online with no lag',
      async () => {
        const { row } = await inspectZones(global.base, 'zone-1');
        return row[1] === 'Online' && row[3] === '0' && row[4] === '465';
      },
      5_000,
      200,
    );
  });
});
