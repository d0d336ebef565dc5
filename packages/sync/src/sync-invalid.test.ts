import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { mesh, startNats, trafficPermission, type NatsServer } from '@zonemesh/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  contentHash,
  metricValue,
  type Running,
  startGlobal,
  startZone,
  waitFor,
} from './__fixtures__/sync-harness.js';
import { syncedTypes } from './kind-routing.js';
import type { GlobalSync, ZoneSync } from './sync-contract.js';
import { canonicalJson, maxMessageBytes } from './wire-format.js';

let nats: NatsServer;
let nc: NatsConnection;
beforeAll(async () => {
  nats = await startNats({ config: 'max_payload: 2MB' });
  nc = await connect({ servers: nats.url });
});
afterAll(async () => {
  await nc.close();
  await nats.stop();
});

const started: Running<unknown>[] = [];
let g: Running<GlobalSync>;
let z: Running<ZoneSync>;
beforeEach(async () => {
  const jsm = await jetstreamManager(nc);
  for (const stream of ['KV_zm-global', 'KV_zm-zones']) await jsm.streams.delete(stream).catch(() => false);
  g = startGlobal({ nats: { url: nats.url } });
  z = startZone({ nats: { url: nats.url }, zone: 'zone-1' });
  started.push(g, z);
  await g.store.create(mesh('default'));
  await waitFor('the mesh in the zone', () => z.store.get({ type: 'Mesh', name: 'default' }));
  // Heartbeats are core NATS: global must be listening before the test publishes fake ones.
  await waitFor('zone-1 online', () => g.sync.zones().find((zone) => zone.name === 'zone-1' && zone.online));
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((side) => side.stop()));
});

const encoder = new TextEncoder();
const tp = (name: string, extra: Record<string, unknown> = {}) =>
  canonicalJson({
    v: '1.0',
    type: 'TrafficPermission',
    name,
    mesh: 'default',
    labels: {},
    spec: {
      sources: [{ match: { 'kuma.io/service': '*' } }],
      destinations: [{ match: { 'kuma.io/service': '*' } }],
    },
    ...extra,
  });

async function publish(subject: string, payload: string | Uint8Array): Promise<void> {
  await jetstream(nc).publish(subject, typeof payload === 'string' ? encoder.encode(payload) : payload);
}

const invalid = (side: Running<unknown>, reason: string) =>
  metricValue(side.metrics, 'zonemesh_sync_invalid_messages_total', { reason });

describe('messages a side cannot trust', () => {
  it('in zm-global: counted, logged and skipped; the zone store is unchanged and sync goes on', async () => {
    const before = await contentHash(z.store, syncedTypes);
    await publish('$KV.zm-global.TrafficPermission.default.garbage', '{"v":');
    await publish(
      '$KV.zm-global.TrafficPermission.default.huge',
      tp('huge', { spec: { blob: 'x'.repeat(maxMessageBytes) } }),
    );
    await publish('$KV.zm-global.TrafficPermission.default.future', tp('future', { v: '2.0' }));
    await publish('$KV.zm-global.TrafficPermission.default.liar', tp('someone-else'));
    await publish('$KV.zm-global.Dataplane.default.dp', tp('dp', { type: 'Dataplane' }));
    await publish('$KV.zm-global.no-such-layout', tp('x'));
    await publish(
      '$KV.zm-global.TrafficPermission.default.bad-spec',
      tp('bad-spec', { spec: 'not an object' }),
    );
    // A spec the kind's own rules refuse (Kuma's validation, from the kind descriptor).
    await publish(
      '$KV.zm-global.TrafficPermission.default.bad-rules',
      tp('bad-rules', { spec: { sources: 'x' } }),
    );

    await waitFor('every bad entry counted', async () => {
      const counts = await Promise.all(
        ['malformed', 'oversized', 'incompatible', 'mismatch'].map((r) => invalid(z, r)),
      );
      return counts[0] === 4 && counts[1] === 1 && counts[2] === 1 && counts[3] === 2;
    });
    expect((await contentHash(z.store, syncedTypes)).hash).toBe(before.hash);
    const skipped = z.logs.find('invalid global entry skipped');
    expect(skipped.length).toBe(7);
    expect(skipped.some((line) => String(line['detail']).includes('spec.sources: must be a list'))).toBe(
      true,
    );
    // A newer major version is refused loudly, and shown in the zone's status.
    expect(z.logs.find('incompatible wire format').length).toBe(1);
    expect(z.sync.status().lastError).toBe('incompatible wire format 2.0 (zone speaks 1.x)');

    // A newer minor version with a field this build does not know is read, and sync carries on.
    await publish(
      '$KV.zm-global.TrafficPermission.default.newer-minor',
      tp('newer-minor', { v: '1.1', hint: 'new' }),
    );
    await g.store.create(trafficPermission('after', 'default', '*', '*'));
    await waitFor('the newer-minor entry applied', () =>
      z.store.get({ type: 'TrafficPermission', mesh: 'default', name: 'newer-minor' }),
    );
    await waitFor('a policy written after the bad entries', () =>
      z.store.get({ type: 'TrafficPermission', mesh: 'default', name: 'after' }),
    );
  });

  it('in zm-zones and on heartbeat subjects: counted, logged and skipped on global', async () => {
    const before = await contentHash(g.store, syncedTypes);
    await publish('$KV.zm-zones.zone-1.Dataplane.default.garbage', 'not json at all');
    await publish('$KV.zm-zones.zone-1.Dataplane.default.huge', 'x'.repeat(maxMessageBytes + 10));
    // Zones may not write global-origin kinds.
    await publish('$KV.zm-zones.zone-1.TrafficPermission.default.sneaky', tp('sneaky'));
    await publish('$KV.zm-zones.NotAZone.Dataplane.default.x', tp('x'));
    nc.publish('zm.heartbeat.zone.zone-7', 'garbage');
    nc.publish(
      'zm.heartbeat.zone.zone-7',
      canonicalJson({
        v: '1.0',
        zone: 'zone-8',
        sentAt: new Date().toISOString(),
        appliedRevision: 1,
        resources: {},
      }),
    );

    await waitFor('every bad entry counted', async () => {
      const counts = await Promise.all(['malformed', 'oversized', 'mismatch'].map((r) => invalid(g, r)));
      return counts[0] === 3 && counts[1] === 1 && counts[2] === 2;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await contentHash(g.store, syncedTypes)).hash).toBe(before.hash);
    expect(g.sync.zones().map((zone) => zone.name)).not.toContain('zone-8');
  });

  it('an incompatible zone is refused with a clear log line and a problem on global', async () => {
    nc.publish(
      'zm.heartbeat.zone.zone-9',
      canonicalJson({ v: '2.0', zone: 'zone-9', sentAt: new Date().toISOString(), whatever: true }),
    );
    const overview = await waitFor('zone-9 in the overview', () =>
      g.sync.zones().find((zone) => zone.name === 'zone-9'),
    );
    expect(overview.problem).toBe('incompatible wire format 2.0 (global speaks 1.x)');
    expect(overview.wireVersion).toBe('2.0');
    expect(g.logs.find('refusing a zone that speaks an incompatible wire format')).toHaveLength(1);

    // One minor release behind keeps working: a 1.0 zone heartbeat (without 1.1's `held`) is read,
    // and its own resources are what global can show.
    nc.publish(
      'zm.heartbeat.zone.zone-9',
      canonicalJson({
        v: '1.0',
        zone: 'zone-9',
        sentAt: new Date().toISOString(),
        appliedRevision: 0,
        resources: { Dataplane: 3 },
      }),
    );
    const fixed = await waitFor('zone-9 without a problem', () =>
      g.sync.zones().find((zone) => zone.name === 'zone-9' && zone.problem === undefined),
    );
    expect(fixed.resources).toEqual({ Dataplane: 3 });
    expect(fixed.wireVersion).toBe('1.0');

    // One minor ahead too: fields this build does not know are ignored.
    nc.publish(
      'zm.heartbeat.zone.zone-9',
      canonicalJson({
        v: '1.2',
        zone: 'zone-9',
        sentAt: new Date().toISOString(),
        appliedRevision: 0,
        resources: { Dataplane: 3 },
        held: { Dataplane: 3, Mesh: 1 },
        newField: 1,
      }),
    );
    const newer = await waitFor('zone-9 at 1.2', () =>
      g.sync.zones().find((zone) => zone.name === 'zone-9' && zone.wireVersion === '1.2'),
    );
    expect(newer.resources).toEqual({ Dataplane: 3, Mesh: 1 });
    expect(newer.problem).toBeUndefined();
  });
});
