/**
 * The versioned wire format across real processes. This build speaks 1.1 (1.0 plus the zone
 * heartbeat's `held` counts). No 1.0 build exists to run, so the older and newer peers are raw
 * NATS clients that publish byte for byte what such a peer publishes:
 * - a zone one minor behind global (1.0: heartbeats without `held`, 1.0 resource messages) keeps
 *   working with a real 1.1 global: its dataplane is applied, it is Online, no problem;
 * - a real 1.1 zone reads entries and heartbeats of a global one minor ahead (1.2, with fields it
 *   does not know);
 * - another major (2.0) is refused both ways: a clear log line, nothing applied, and the problem
 *   shown on global (`/zones/_overview`, `zmctl inspect zones`) and in the zone's status.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNats, type NatsServer } from '@zonemesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ControlPlane,
  dataplane,
  eventually,
  getJson,
  globalFlags,
  logLines,
  put,
  scrape,
  startControlPlane,
  trafficPermission,
  zmctl,
  zoneFlags,
} from './control-plane-process.js';

const run = promisify(execFile);
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

/** JSON with sorted keys, as every version of the wire format writes it. */
function canonical(value: unknown): string {
  const sort = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sort);
    if (item !== null && typeof item === 'object') {
      return Object.fromEntries(
        Object.keys(item)
          .sort()
          .map((key) => [key, sort((item as Record<string, unknown>)[key])]),
      );
    }
    return item;
  };
  return JSON.stringify(sort(value));
}

interface OverviewItem {
  name: string;
  online: boolean;
  lag: number;
  resources: Record<string, number>;
  wireVersion?: string;
  problem?: string;
}

async function overviewOf(cp: ControlPlane, zone: string): Promise<OverviewItem | undefined> {
  const { body } = await getJson(cp.base, '/zones/_overview');
  return (body.items as OverviewItem[]).find((item) => item.name === zone);
}

describe('wire format versions', () => {
  it('one minor apart keeps working; another major is refused loudly', async () => {
    nats = await startNats();
    const global = await startControlPlane('global', globalFlags(nats.url));
    const zone = await startControlPlane('zone-1', zoneFlags('zone-1', nats.url));
    planes.push(global, zone);
    expect(
      await put(global.base, '/meshes/default/traffic-permissions/p-1', trafficPermission('p-1', 'a', 'b')),
    ).toBe(201);
    await eventually(
      'zone-1 online at 1.1',
      async () => (await overviewOf(global, 'zone-1'))?.wireVersion === '1.1',
    );

    client = await connect({ servers: nats.url });
    const js = jetstream(client);
    const globalRevision = async (): Promise<number> =>
      (await (await jetstreamManager(client!)).streams.info('KV_zm-global')).state.last_seq;

    // A zone one minor release behind (1.0): what its sync publishes, as a 1.0 build wrote it.
    const oldDataplane = dataplane('web', 'web', 9000);
    await js.publish(
      '$KV.zm-zones.zone-old.Dataplane.default.web',
      canonical({
        v: '1.0',
        type: 'Dataplane',
        name: 'web',
        mesh: 'default',
        labels: {},
        creationTime: '2026-01-01T00:00:00.000Z',
        spec: { networking: oldDataplane['networking'] },
      }),
    );
    await js.publish('$KV.zm-zones.zone-old._ready', canonical({ v: '1.0', ready: true }));
    const heartbeat10 = async (): Promise<void> => {
      client!.publish(
        'zm.heartbeat.zone.zone-old',
        canonical({
          v: '1.0',
          zone: 'zone-old',
          sentAt: new Date().toISOString(),
          appliedRevision: await globalRevision(),
          resources: { Dataplane: 1 },
        }),
      );
    };
    // Global registers the Zone on the first heartbeat (one more revision); the next one catches up.
    const old = await eventually('the 1.0 zone online on global, caught up', async () => {
      await heartbeat10();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const item = await overviewOf(global, 'zone-old');
      return item?.online === true && item.lag === 0 ? item : undefined;
    });
    expect(old).toMatchObject({ wireVersion: '1.0', resources: { Dataplane: 1 } });
    expect(old.problem).toBeUndefined();
    const copied = await eventually('the 1.0 zone dataplane on global', async () => {
      const { status, body } = await getJson(global.base, '/meshes/default/dataplanes/zone-old.web');
      return status === 200 ? body : undefined;
    });
    expect(copied.labels).toMatchObject({
      'kuma.io/zone': 'zone-old',
      'kuma.io/origin': 'zone',
      'kuma.io/display-name': 'web',
    });
    expect(copied.networking).toEqual(oldDataplane['networking']);

    // A global one minor release ahead (1.2) of the real 1.1 zone: fields it does not know are
    // ignored, the rest applied.
    await js.publish(
      '$KV.zm-global.TrafficPermission.default.from-newer',
      canonical({
        v: '1.2',
        type: 'TrafficPermission',
        name: 'from-newer',
        mesh: 'default',
        labels: { team: 'a' },
        priority: 7,
        spec: {
          sources: [{ match: { 'kuma.io/service': 'web' } }],
          destinations: [{ match: { 'kuma.io/service': 'api' } }],
        },
      }),
    );
    client.publish(
      'zm.heartbeat.global',
      canonical({
        v: '1.2',
        sentAt: new Date().toISOString(),
        revision: await globalRevision(),
        region: 'eu',
      }),
    );
    const newer = await eventually('the 1.2 entry applied in zone-1', async () => {
      const { status, body } = await getJson(zone.base, '/meshes/default/traffic-permissions/from-newer');
      return status === 200 ? body : undefined;
    });
    expect(newer.labels).toMatchObject({ team: 'a', 'kuma.io/origin': 'global' });
    expect(newer).not.toHaveProperty('priority');
    expect(await scrape(zone.base, 'zonemesh_sync_invalid_messages_total')).toBe(0);

    // A zone speaking 2.0: refused with a clear line, nothing applied, the problem shown on global.
    client.publish(
      'zm.heartbeat.zone.zone-next',
      canonical({ v: '2.0', zone: 'zone-next', sentAt: new Date().toISOString(), state: {} }),
    );
    await js.publish(
      '$KV.zm-zones.zone-next.Dataplane.default.web',
      canonical({ v: '2.0', kind: 'Dataplane', id: 'web', body: {} }),
    );
    const problem = 'incompatible wire format 2.0 (global speaks 1.x)';
    const refused = await eventually('zone-next refused on global', async () => {
      const item = await overviewOf(global, 'zone-next');
      return item?.problem === problem ? item : undefined;
    });
    expect(refused.wireVersion).toBe('2.0');
    await eventually('both refusals logged', () =>
      logLines(global.output(), 'refusing zone data in an incompatible wire format').length === 1 &&
      logLines(global.output(), 'refusing a zone that speaks an incompatible wire format').length === 1
        ? true
        : undefined,
    );
    const line = logLines(global.output(), 'refusing a zone that speaks an incompatible wire format')[0];
    expect(line).toMatchObject({ level: 'error', zone: 'zone-next', version: '2.0', problem });
    expect((await getJson(global.base, '/meshes/default/dataplanes/zone-next.web')).status).toBe(404);
    const { stdout } = await run(zmctl, ['inspect', 'zones', '--cp', global.base]);
    expect(stdout).toContain(`zone-next: ${problem}`);
    expect(stdout).not.toContain('zone-old:');

    // A global entry in 2.0 reaches the real zone: refused there too, and said in its status.
    await js.publish(
      '$KV.zm-global.TrafficPermission.default.from-2',
      canonical({
        v: '2.0',
        type: 'TrafficPermission',
        name: 'from-2',
        mesh: 'default',
        labels: {},
        spec: {},
      }),
    );
    await eventually(
      'zone-1 to show the problem',
      async () =>
        (await overviewOf(zone, 'zone-1'))?.problem === 'incompatible wire format 2.0 (zone speaks 1.x)',
    );
    expect(
      logLines(zone.output(), 'refusing global data in an incompatible wire format; upgrade this zone'),
    ).toHaveLength(1);
    expect((await getJson(zone.base, '/meshes/default/traffic-permissions/from-2')).status).toBe(404);
    // The 1.0 zone is still fine.
    await heartbeat10();
    expect((await overviewOf(global, 'zone-old'))?.problem).toBeUndefined();
  });
});
