/**
 * nats-server is SIGKILLed in the middle of a burst of 1,000 policy writes at global (creates,
 * updates and deletes through the REST API) and started again: every zone must end with exactly
 * global's set — nothing lost, duplicated or resurrected.
 */
import { startNats, type NatsServer } from '@zonemesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ControlPlane,
  contentOf,
  del,
  eventually,
  globalFlags,
  logLines,
  put,
  startControlPlane,
  trafficPermission,
  zoneFlags,
} from './control-plane-process.js';

const planes: ControlPlane[] = [];
let nats: NatsServer | undefined;
afterEach(async () => {
  await Promise.all(planes.splice(0).map((cp) => cp.stop()));
  await nats?.stop();
  nats = undefined;
});

const tps = '/meshes/default/traffic-permissions';
const ours = (item: { name: string }): boolean => item.name.startsWith('c-');

describe('nats-server crash in the middle of a burst', () => {
  it('every zone ends with exactly global set (creates, updates and deletes)', async () => {
    nats = await startNats();
    const global = await startControlPlane('global', globalFlags(nats.url));
    planes.push(global);
    const zones = await Promise.all(
      ['zone-1', 'zone-2'].map((zone) => startControlPlane(zone, zoneFlags(zone, nats!.url))),
    );
    planes.push(...zones);

    // 1,000 writes: mostly creates, every 7th an update of an earlier policy, every 11th a delete.
    // NATS dies after 300 writes and comes back after 650, both while writes keep going.
    let created = 0;
    const deleted = new Set<number>();
    const statuses: number[] = [];
    let crash: Promise<void> | undefined;
    let recovery: Promise<void> | undefined;
    for (let write = 0; write < 1_000; write++) {
      if (write === 300) crash = nats.kill();
      if (write === 650) recovery = crash!.then(() => nats!.restart());
      if (write % 7 === 6 && created > 0) {
        const target = (write * 31) % created;
        statuses.push(
          await put(
            global.base,
            `${tps}/c-${target}`,
            trafficPermission(`c-${target}`, `updated-${write}`, 'db'),
          ),
        );
        deleted.delete(target);
      } else if (write % 11 === 10 && created > 0) {
        let target = (write * 17) % created;
        while (deleted.has(target)) target = (target + 1) % created;
        statuses.push(await del(global.base, `${tps}/c-${target}`));
        deleted.add(target);
      } else {
        statuses.push(
          await put(
            global.base,
            `${tps}/c-${created}`,
            trafficPermission(`c-${created}`, `s-${created}`, 'api'),
          ),
        );
        created++;
      }
    }
    await recovery;
    expect(statuses.filter((status) => status < 200 || status >= 300)).toEqual([]);

    const want = await contentOf(global.base, tps, ours);
    // Global holds every write it acknowledged: the creates, less the deletes that were not undone.
    expect(want.count).toBe(created - deleted.size);
    expect(deleted.size).toBeGreaterThan(30);
    for (const zone of zones) {
      await eventually(
        `${zone.name} to hold exactly global's set`,
        async () => (await contentOf(zone.base, tps, ours)).hash === want.hash,
        30_000,
        200,
      );
      expect(zone.isRunning()).toBe(true);
      // The crash really cut the zone off in the middle, and it came back by itself.
      expect(logLines(zone.output(), 'disconnected from nats').length).toBeGreaterThan(0);
    }
    expect(global.isRunning()).toBe(true);
  });
});
