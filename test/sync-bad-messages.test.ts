/**
 * A raw NATS client publishes malformed, oversized and mismatched messages on every sync subject:
 * both buckets' keys and both heartbeat subjects. Each is counted in
 * `zonemesh_sync_invalid_messages_total` (scraped from `/metrics`), logged and skipped; no process
 * crashes, no store changes, and sync carries on afterwards.
 */
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNats, type NatsServer } from '@zonemesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ControlPlane,
  contentOf,
  dataplane,
  eventually,
  getJson,
  globalFlags,
  logLines,
  put,
  scrape,
  startControlPlane,
  trafficPermission,
  zoneFlags,
} from './control-plane-process.js';

const planes: ControlPlane[] = [];
let nats: NatsServer | undefined;
let client: NatsConnection | undefined;
afterEach(async () => {
  await client?.close();
  await Promise.all(planes.splice(0).map((cp) => cp.stop()));
  await nats?.stop();
  client = undefined;
  nats = undefined;
});

const tps = '/meshes/default/traffic-permissions';
const dps = '/meshes/default/dataplanes';
/** Over the 640 KiB sync limit, under nats-server's default 1 MiB max payload. */
const oversized = 'x'.repeat(700 * 1024);

const message = (fields: Record<string, unknown>): string =>
  JSON.stringify({ v: '1.1', labels: {}, mesh: 'default', ...fields });

const invalid = (cp: ControlPlane, side: string, labels: Record<string, string> = {}): Promise<number> =>
  scrape(cp.base, 'zonemesh_sync_invalid_messages_total', { side, ...labels });

describe('messages nobody should trust', () => {
  it('are counted, logged and skipped; nothing crashes and no store changes', async () => {
    nats = await startNats();
    const global = await startControlPlane('global', globalFlags(nats.url));
    const zone = await startControlPlane('zone-1', zoneFlags('zone-1', nats.url));
    planes.push(global, zone);
    for (let i = 0; i < 20; i++) {
      expect(await put(global.base, `${tps}/p-${i}`, trafficPermission(`p-${i}`, `s-${i}`, 'api'))).toBe(201);
    }
    expect(await put(zone.base, `${dps}/web`, dataplane('web', 'web', 9000))).toBe(201);
    const globalTps = await contentOf(global.base, tps);
    await eventually(
      'the zone in step',
      async () => (await contentOf(zone.base, tps)).hash === globalTps.hash,
    );
    const globalDps = await eventually('the dataplane on global', async () => {
      const seen = await contentOf(global.base, dps);
      return seen.count === 1 ? seen : undefined;
    });
    const zoneDps = await contentOf(zone.base, dps);

    client = await connect({ servers: nats.url });
    const js = jetstream(client);
    const store = async (subject: string, payload: string): Promise<void> => {
      await js.publish(subject, payload);
    };
    // In global's bucket, read by the zone.
    await store(`$KV.zm-global.TrafficPermission.default.garbage`, '{"v":');
    await store(
      `$KV.zm-global.TrafficPermission.default.huge`,
      message({ type: 'TrafficPermission', name: 'huge', spec: { blob: oversized } }),
    );
    await store(
      `$KV.zm-global.TrafficPermission.default.p-0`,
      message({ type: 'TrafficPermission', name: 'p-0', spec: { sources: 'everyone' } }),
    );
    await store(
      `$KV.zm-global.TrafficPermission.default.liar`,
      message({ type: 'TrafficPermission', name: 'someone-else', spec: {} }),
    );
    // In the zones' bucket, read by global.
    await store(`$KV.zm-zones.zone-1.Dataplane.default.garbage`, 'not json at all');
    await store(`$KV.zm-zones.zone-1.Dataplane.default.huge`, oversized);
    await store(
      `$KV.zm-zones.zone-1.Mesh._.sneaky`,
      message({ type: 'Mesh', name: 'sneaky', mesh: undefined, spec: {} }),
    );
    // On the heartbeat subjects.
    client.publish('zm.heartbeat.zone.zone-1', 'garbage');
    client.publish('zm.heartbeat.zone.zone-1', oversized);
    client.publish('zm.heartbeat.global', '{"v":"1.1","sentAt":"yesterday","revision":-1}');
    await client.flush();

    await eventually(
      'every bad message counted on global',
      async () =>
        (await invalid(global, 'global', { stream: 'zones', reason: 'malformed' })) === 1 &&
        (await invalid(global, 'global', { stream: 'zones', reason: 'oversized' })) === 1 &&
        (await invalid(global, 'global', { stream: 'zones', reason: 'mismatch' })) === 1 &&
        (await invalid(global, 'global', { stream: 'heartbeat', reason: 'malformed' })) === 1 &&
        (await invalid(global, 'global', { stream: 'heartbeat', reason: 'oversized' })) === 1,
    );
    await eventually(
      'every bad message counted in the zone',
      async () =>
        (await invalid(zone, 'zone', { stream: 'global', reason: 'malformed' })) === 2 &&
        (await invalid(zone, 'zone', { stream: 'global', reason: 'oversized' })) === 1 &&
        (await invalid(zone, 'zone', { stream: 'global', reason: 'mismatch' })) === 1 &&
        (await invalid(zone, 'zone', { stream: 'heartbeat', reason: 'malformed' })) === 1,
    );
    // Logged with what was wrong.
    const zoneSkips = logLines(zone.output(), 'invalid global entry skipped');
    expect(zoneSkips.map((line) => String(line['reason'])).sort((a, b) => a.localeCompare(b))).toEqual([
      'malformed',
      'malformed',
      'mismatch',
      'oversized',
    ]);
    expect(zoneSkips.some((line) => String(line['detail']).includes('spec.sources'))).toBe(true);
    expect(
      logLines(global.output(), 'invalid zone entry skipped')
        .map((line) => String(line['reason']))
        .sort((a, b) => a.localeCompare(b)),
    ).toEqual(['malformed', 'mismatch', 'oversized']);
    expect(logLines(global.output(), 'invalid heartbeat skipped')).toHaveLength(2);
    expect(logLines(zone.output(), 'invalid global heartbeat')).toHaveLength(1);

    // Nothing crashed and nothing changed: p-0 keeps its valid content in the zone.
    expect(global.isRunning() && zone.isRunning()).toBe(true);
    expect((await getJson(global.base, '/ready')).status).toBe(200);
    expect((await getJson(zone.base, '/ready')).status).toBe(200);
    expect((await contentOf(zone.base, tps)).hash).toBe(globalTps.hash);
    expect((await contentOf(global.base, tps)).hash).toBe(globalTps.hash);
    expect((await contentOf(global.base, dps)).hash).toBe(globalDps.hash);
    expect((await contentOf(zone.base, dps)).hash).toBe(zoneDps.hash);
    expect((await getJson(global.base, '/meshes/zone-1.sneaky')).status).toBe(404);
    const overview = (await getJson(global.base, '/zones/_overview')).body.items;
    expect(overview.find((item: { name: string }) => item.name === 'zone-1')).toMatchObject({ online: true });

    // Sync carries on both ways.
    expect(await put(global.base, `${tps}/after`, trafficPermission('after', 'a', 'b'))).toBe(201);
    expect(await put(zone.base, `${dps}/web-2`, dataplane('web-2', 'web', 9001))).toBe(201);
    await eventually(
      'the new policy in the zone',
      async () => (await getJson(zone.base, `${tps}/after`)).status === 200,
    );
    await eventually(
      'the new dataplane on global',
      async () => (await getJson(global.base, `${dps}/zone-1.web-2`)).status === 200,
    );
  });
});
