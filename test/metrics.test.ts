/**
 * The metrics catalogue (docs/metrics.md) against running components: a global and two zone
 * control planes over a real nats-server, scraped after policies and dataplanes flowed. Every
 * metric the catalogue marks exposed is served where it says, with sane values; none marked
 * planned is served yet (else the catalogue is stale); a stopped zone reads 0 online. Sidecar and
 * ingress metrics are checked when `zonemesh-dp` / `zonemesh-ingress` are built.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type ManagedProcess, startProcess } from '@zonemesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataplaneYaml,
  eventually,
  getJson,
  put,
  type RunningFederation,
  startFederation,
} from './gui-federation.ts';
import {
  type CatalogueEntry,
  familyNames,
  familyOf,
  parseExposition,
  readCatalogue,
  type Sample,
} from './metrics-catalogue.ts';

const catalogue = readCatalogue();
const histograms = new Set(
  catalogue.filter((entry) => entry.type === 'histogram').map((entry) => entry.name),
);
const bin = (name: string): string => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
const hasSidecar = existsSync(bin('zonemesh-dp'));
const hasIngress = existsSync(bin('zonemesh-ingress'));
let federation: RunningFederation;

async function scrape(base: string): Promise<string> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

function value(
  samples: readonly Sample[],
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  return samples.find(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted),
  )?.value;
}

function sum(samples: readonly Sample[], name: string): number {
  return samples.filter((sample) => sample.name === name).reduce((total, sample) => total + sample.value, 0);
}

function expectedAt(where: string): CatalogueEntry[] {
  return catalogue.filter((entry) => entry.status.exposed && entry.where.includes(where));
}

beforeAll(async () => {
  federation = await startFederation({ zones: ['zone-1', 'zone-2'], zoneOfflineTimeout: '8s' });
  const { global } = federation;
  await put(
    global.base,
    '/meshes/default',
    'type: Mesh\nname: default\nmtls:\n  enabledBackend: ca-1\n  backends:\n    - name: ca-1\n      type: builtin\n',
  );
  await put(
    global.base,
    '/meshes/default/traffic-permissions/allow-web',
    "type: TrafficPermission\nname: allow-web\nmesh: default\nsources:\n  - match:\n      kuma.io/service: '*'\ndestinations:\n  - match:\n      kuma.io/service: web\n",
  );
  const zone1 = federation.zone('zone-1').base;
  await eventually(
    () => getJson(`${zone1}/meshes/default/traffic-permissions/allow-web`),
    (r) => r.status === 200,
    'the policy in zone-1',
  );
  await put(
    zone1,
    '/meshes/default/dataplanes/web-1',
    dataplaneYaml({ name: 'web-1', service: 'web', port: 8080 }),
  );
  await eventually(
    () => getJson(`${global.base}/meshes/default/dataplanes/zone-1.web-1`),
    (r) => r.status === 200,
    'the dataplane on global',
  );
  // Both zones heartbeat and global sees them, so the per-zone gauges exist.
  await eventually(
    () => getJson(`${global.base}/zones/_overview`),
    (r) => r.body.items.filter((zone: { online: boolean }) => zone.online).length === 2,
    'both zones online',
  );
});

afterAll(async () => {
  await federation?.stop();
});

describe('the catalogue in docs/metrics.md', () => {
  it('parses into well-formed rows, each name once', () => {
    expect(catalogue.length).toBeGreaterThan(20);
    expect(new Set(catalogue.map((entry) => entry.name)).size).toBe(catalogue.length);
    for (const entry of catalogue) {
      expect(entry.name).toMatch(/^zonemesh_(api|cp|sync|dp_server|proxy)_[a-z0-9_]+$/);
      expect(entry.name.endsWith('_total')).toBe(entry.type === 'counter');
      for (const place of entry.where) expect(['global', 'zone', 'sidecar', 'ingress']).toContain(place);
    }
  });
});

describe('control plane metrics in a running federation', () => {
  it('the global control plane serves every metric the catalogue lists for global, with sane values', async () => {
    const text = await scrape(federation.global.base);
    const names = familyNames(text);
    expect(
      expectedAt('global')
        .map((entry) => entry.name)
        .filter((name) => !names.has(name)),
    ).toEqual([]);
    const samples = parseExposition(text);
    expect(value(samples, 'zonemesh_cp_info', { mode: 'global', zone: '' })).toBe(1);
    expect(value(samples, 'zonemesh_sync_connected', { side: 'global' })).toBe(1);
    expect(value(samples, 'zonemesh_sync_zone_online', { zone: 'zone-1' })).toBe(1);
    expect(value(samples, 'zonemesh_sync_zone_online', { zone: 'zone-2' })).toBe(1);
    for (const sample of samples.filter((s) => s.name === 'zonemesh_sync_zone_lag_revisions')) {
      expect(Number.isInteger(sample.value) && sample.value >= 0).toBe(true);
    }
    expect(value(samples, 'zonemesh_cp_resources', { type: 'Dataplane', mesh: 'default' })).toBe(1);
    expect(value(samples, 'zonemesh_cp_resources', { type: 'TrafficPermission', mesh: 'default' })).toBe(1);
    expect(
      value(samples, 'zonemesh_sync_messages_total', {
        side: 'global',
        direction: 'received',
        stream: 'heartbeat',
      }),
    ).toBeGreaterThan(0);
    expect(sum(samples, 'zonemesh_sync_bytes_total')).toBeGreaterThan(
      sum(samples, 'zonemesh_sync_messages_total'),
    );
    expect(sum(samples, 'zonemesh_api_requests_total')).toBeGreaterThan(0);
    expect(sum(samples, 'zonemesh_sync_invalid_messages_total')).toBe(0);
  });

  it('a zone control plane serves every metric the catalogue lists for zones, with sane values', async () => {
    const text = await scrape(federation.zone('zone-1').base);
    const names = familyNames(text);
    expect(
      expectedAt('zone')
        .map((entry) => entry.name)
        .filter((name) => !names.has(name)),
    ).toEqual([]);
    const samples = parseExposition(text);
    expect(value(samples, 'zonemesh_cp_info', { mode: 'zone', zone: 'zone-1' })).toBe(1);
    expect(value(samples, 'zonemesh_sync_connected', { side: 'zone' })).toBe(1);
    expect(
      value(samples, 'zonemesh_sync_applied_revision', { side: 'zone', stream: 'global' }),
    ).toBeGreaterThan(0);
    expect(value(samples, 'zonemesh_cp_resources', { type: 'Dataplane', mesh: 'default' })).toBe(1);
    expect(
      value(samples, 'zonemesh_sync_messages_total', { side: 'zone', direction: 'sent', stream: 'zones' }),
    ).toBeGreaterThan(0);
  });

  it('no component serves a metric the catalogue still calls planned (update docs/metrics.md when one lands)', async () => {
    const served = new Set<string>();
    for (const cp of [federation.global, ...federation.zones.values()]) {
      for (const name of familyNames(await scrape(cp.base))) served.add(name);
    }
    const stale = catalogue
      .filter((entry) => !entry.status.exposed && served.has(entry.name))
      .map((entry) => entry.name);
    expect(stale).toEqual([]);
    // And no zonemesh_ metric is served that the catalogue does not list.
    const unlisted = [...served].filter(
      (name) =>
        name.startsWith('zonemesh_') && !catalogue.some((entry) => entry.name === familyOf(name, histograms)),
    );
    expect(unlisted).toEqual([]);
  });

  it('reads a stopped zone as offline (zonemesh_sync_zone_online 0) on global', async () => {
    await federation.zone('zone-2').process.stop('SIGTERM');
    const samples = await eventually(
      async () => parseExposition(await scrape(federation.global.base)),
      (s) => value(s, 'zonemesh_sync_zone_online', { zone: 'zone-2' }) === 0,
      'zone-2 offline in the metrics',
    );
    expect(value(samples, 'zonemesh_sync_zone_online', { zone: 'zone-1' })).toBe(1);
  });
});

/** Starts a proxy executable with an admin address and returns its scrape. */
async function scrapeProxy(
  command: string,
  args: (admin: string, dir: string) => string[],
  setup: (dir: string) => void,
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'zonemesh-metrics-'));
  let proxy: ManagedProcess | undefined;
  try {
    setup(dir);
    const adminPort = await freePort();
    proxy = await startProcess({
      command: bin(command),
      args: args(`127.0.0.1:${adminPort}`, dir),
      env: { PATH: process.env.PATH ?? '' },
      name: command,
      readyPort: adminPort,
      readyTimeoutMs: 30_000,
    });
    return await eventually(
      async () => {
        const response = await fetch(`http://127.0.0.1:${adminPort}/metrics`);
        return response.ok ? response.text() : '';
      },
      (text) => text.includes('zonemesh_proxy_'),
      `${command} metrics`,
    );
  } finally {
    await proxy?.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('proxy metrics', () => {
  it.skipIf(!hasSidecar)(
    'a sidecar serves every metric the catalogue lists for sidecars (skipped while zonemesh-dp is not built)',
    async () => {
      const { dpServer } = federation.zone('zone-1');
      const text = await scrapeProxy(
        'zonemesh-dp',
        (admin, dir) => [
          'run',
          '--cp-address',
          dpServer,
          '--dataplane-file',
          join(dir, 'dp.yaml'),
          '--admin-address',
          admin,
        ],
        (dir) =>
          writeFileSync(
            join(dir, 'dp.yaml'),
            dataplaneYaml({ name: 'metrics-dp', service: 'metrics', port: 18080 }),
          ),
      );
      const names = familyNames(text);
      expect(
        catalogue
          .filter((entry) => entry.where.includes('sidecar') && !names.has(entry.name))
          .map((entry) => entry.name),
      ).toEqual([]);
    },
  );

  it.skipIf(!hasIngress)(
    'an ingress serves every metric the catalogue lists for ingresses (skipped while zonemesh-ingress is not built)',
    async () => {
      const { dpServer } = federation.zone('zone-1');
      const port = await freePort();
      const text = await scrapeProxy(
        'zonemesh-ingress',
        (admin, dir) => [
          'run',
          '--cp-address',
          dpServer,
          '--ingress-file',
          join(dir, 'ingress.yaml'),
          '--admin-address',
          admin,
        ],
        (dir) =>
          writeFileSync(
            join(dir, 'ingress.yaml'),
            `type: ZoneIngress\nname: metrics-ingress\nnetworking:\n  address: 127.0.0.1\n  port: ${port}\n  advertisedAddress: 127.0.0.1\n  advertisedPort: ${port}\n`,
          ),
      );
      const names = familyNames(text);
      expect(
        catalogue
          .filter((entry) => entry.where.includes('ingress') && !names.has(entry.name))
          .map((entry) => entry.name),
      ).toEqual([]);
    },
  );
});
