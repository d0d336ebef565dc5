/**
 * Global <-> zone sync over NATS, in one run on one machine:
 * 1. Propagation: a policy PUT at a global `zonemesh-cp` until a GET answers 200 in each of 10 zone
 *    CP processes (memory stores), p50/p99 over 1,000 changes, next to the raw JetStream KV
 *    put -> watch latency to 10 watchers on the same nats-server (ratio = sync ÷ raw).
 * 2. Full sync: a new zone CP joining a global that holds 10,000 policies: seconds until it serves
 *    all of them, and how many messages it received.
 * 3. Fan-in: 100 zones x 1,000 Dataplanes (in-process `startZoneSync` instances, the real zone half
 *    of sync, in this process) into a global CP process: seconds until global holds all 100,000,
 *    and global's memory (VmRSS / VmHWM from /proc).
 */
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm, KvWatchInclude } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { NewResource } from '@zonemesh/api';
import { createMemoryStore, type ResourceStore } from '@zonemesh/store';
import { startZoneSync, type ZoneSync } from '@zonemesh/sync';
import {
  dataplane,
  freePort,
  type ManagedProcess,
  type NatsServer,
  startNats,
  startProcess,
} from '@zonemesh/testkit';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { type BenchRow, formatTable, report } from './report.js';

const zonemeshCp = fileURLToPath(new URL('../../node_modules/.bin/zonemesh-cp', import.meta.url));
const propagationZones = 10;
const propagationChanges = 1_000;
const warmupChanges = 20;
const fullSyncPolicies = 10_000;
const fanInZones = 100;
const dataplanesPerZone = 1_000;
/** REST writes in flight while filling global with the full-sync policies. */
const fillConcurrency = 16;

interface ControlPlane {
  readonly name: string;
  readonly base: string;
  readonly process: ManagedProcess;
}

async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs: number,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

async function startControlPlane(name: string, flags: readonly string[]): Promise<ControlPlane> {
  const apiPort = await freePort();
  const dpPort = await freePort();
  const process = await startProcess({
    command: zonemeshCp,
    args: [
      'run',
      ...flags,
      '--api-address',
      `127.0.0.1:${apiPort}`,
      '--dp-server-address',
      `127.0.0.1:${dpPort}`,
      '--log-level',
      'warn',
    ],
    name,
    readyPort: apiPort,
    readyTimeoutMs: 60_000,
  });
  const base = `http://127.0.0.1:${apiPort}`;
  await until(`${name} ready`, async () => (await fetch(`${base}/ready`)).status === 200, 30_000, 50);
  return { name, base, process };
}

async function status(method: string, url: string, body?: unknown): Promise<number> {
  const response = await fetch(url, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function total(base: string, path: string): Promise<number> {
  const response = await fetch(`${base}${path}?size=1`);
  const body = (await response.json()) as { total?: number };
  return body.total ?? -1;
}

async function scrape(base: string, name: string, labels: Readonly<Record<string, string>>): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && wanted.every((pair) => line.includes(pair))) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

function policy(name: string, source: string): Record<string, unknown> {
  return {
    type: 'TrafficPermission',
    name,
    mesh: 'default',
    sources: [{ match: { 'kuma.io/service': source } }],
    destinations: [{ match: { 'kuma.io/service': 'backend' } }],
  };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Memory of a process from /proc: resident now and its peak, in MiB. */
function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number =>
    Number(/(\d+) kB/.exec(text.split('\n').find((line) => line.startsWith(name)) ?? '')?.[1] ?? Number.NaN) /
    1024;
  return { rssMiB: field('VmRSS:'), peakMiB: field('VmHWM:') };
}

/** Raw JetStream KV: put on one connection until each of `watchers` connections saw it, per change. */
async function rawKvLatencies(
  natsUrl: string,
  watchers: number,
  changes: number,
  payload: string,
): Promise<number[]> {
  const writer = await connect({ servers: natsUrl });
  const readers: NatsConnection[] = [];
  try {
    const kv = await new Kvm(writer).create('bench-raw', { history: 1 });
    const arrivals = new Map<string, () => void>();
    const stops: (() => void)[] = [];
    for (let i = 0; i < watchers; i++) {
      const nc = await connect({ servers: natsUrl });
      readers.push(nc);
      const watch = await (await new Kvm(nc).open('bench-raw')).watch({
        key: '>',
        include: KvWatchInclude.UpdatesOnly,
      });
      stops.push(() => watch.stop());
      void (async () => {
        for await (const entry of watch) arrivals.get(entry.key)?.();
      })();
    }
    const latencies: number[] = [];
    for (let i = 0; i < warmupChanges + changes; i++) {
      const key = `k-${i}`;
      let seen = 0;
      const all = new Promise<void>((resolve) => {
        arrivals.set(key, () => {
          if (++seen === watchers) resolve();
        });
      });
      const started = performance.now();
      await kv.put(key, payload);
      await all;
      if (i >= warmupChanges) latencies.push(performance.now() - started);
      arrivals.delete(key);
    }
    for (const stop of stops) stop();
    return latencies;
  } finally {
    await Promise.all(readers.map((nc) => nc.close()));
    await writer.close();
  }
}

/** Waits until GET `path` answers 200 at `base`; polls every millisecond. */
async function visibleAt(base: string, path: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${base}${path}`);
    await response.arrayBuffer();
    if (response.status === 200) return performance.now();
    if (performance.now() > deadline) throw new Error(`${path} did not reach ${base} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

interface PropagationResult {
  readonly rows: BenchRow[];
  readonly global: ControlPlane;
}

async function propagation(nats: NatsServer, started: ControlPlane[]): Promise<PropagationResult> {
  const global = await startControlPlane('global', ['--mode', 'global', '--nats-url', nats.url]);
  started.push(global);
  const zones: ControlPlane[] = [];
  for (let i = 1; i <= propagationZones; i++) {
    const zone = await startControlPlane(`zone-${i}`, [
      '--mode',
      'zone',
      '--zone',
      `zone-${i}`,
      '--nats-url',
      nats.url,
    ]);
    zones.push(zone);
    started.push(zone);
  }
  await until(
    'every zone online',
    async () => {
      const body = (await (await fetch(`${global.base}/zones/_overview`)).json()) as {
        items: { online: boolean }[];
      };
      return body.items.filter((zone) => zone.online).length === propagationZones;
    },
    30_000,
    100,
  );

  const payload = JSON.stringify({ v: '1.1', ...policy('raw-payload', 'web-0') });
  const raw = await rawKvLatencies(nats.url, propagationZones, propagationChanges, payload);

  const allZones: number[] = [];
  const eachZone: number[] = [];
  for (let i = 0; i < warmupChanges + propagationChanges; i++) {
    const name = `prop-${i}`;
    const path = `/meshes/default/traffic-permissions/${name}`;
    const started = performance.now();
    const answer = await status('PUT', `${global.base}${path}`, policy(name, `web-${i}`));
    if (answer !== 201) throw new Error(`PUT ${path} answered ${answer}`);
    const seen = await Promise.all(zones.map((zone) => visibleAt(zone.base, path, 10_000)));
    if (i < warmupChanges) continue;
    for (const at of seen) eachZone.push(at - started);
    allZones.push(Math.max(...seen) - started);
  }
  for (const zone of zones) await zone.process.stop();

  const row = (
    figure: string,
    values: readonly number[],
    baseline: readonly number[] | undefined,
  ): BenchRow[] =>
    [50, 99].map((p) => {
      const value = percentile(values, p);
      const base = baseline === undefined ? undefined : percentile(baseline, p);
      return {
        figure: `${figure} p${p}`,
        value,
        unit: 'ms',
        ...(base === undefined ? {} : { baseline: base, ratio: value / base }),
      };
    });
  return {
    global,
    rows: [
      ...row(`PUT at global -> GET 200 in all ${propagationZones} zones`, allZones, raw),
      ...row('PUT at global -> GET 200 in one zone', eachZone, raw),
      ...row(`raw KV put -> watch in all ${propagationZones} watchers`, raw, undefined),
    ],
  };
}

async function fullSync(
  nats: NatsServer,
  global: ControlPlane,
  started: ControlPlane[],
): Promise<BenchRow[]> {
  const fillStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: fillConcurrency }, async () => {
      while (next < fullSyncPolicies) {
        const i = next++;
        const answer = await status(
          'PUT',
          `${global.base}/meshes/default/traffic-permissions/full-${i}`,
          policy(`full-${i}`, `svc-${i}`),
        );
        if (answer !== 201) throw new Error(`PUT full-${i} answered ${answer}`);
      }
    }),
  );
  const fillSeconds = (performance.now() - fillStart) / 1000;
  const expected = await total(global.base, '/meshes/default/traffic-permissions');

  const joinStart = performance.now();
  const zone = await startControlPlane('zone-new', [
    '--mode',
    'zone',
    '--zone',
    'zone-new',
    '--nats-url',
    nats.url,
  ]);
  started.push(zone);
  const readySeconds = (performance.now() - joinStart) / 1000;
  await until(
    'the new zone to hold every policy',
    async () => (await total(zone.base, '/meshes/default/traffic-permissions')) === expected,
    120_000,
    50,
  );
  const seconds = (performance.now() - joinStart) / 1000;
  const messages = await scrape(zone.base, 'zonemesh_sync_messages_total', {
    side: 'zone',
    direction: 'received',
    stream: 'global',
  });
  const snapshots = await scrape(zone.base, 'zonemesh_sync_snapshots_total', { side: 'zone' });
  await zone.process.stop();
  return [
    {
      figure: `new zone: start -> serves all ${expected.toLocaleString('en-US')} policies`,
      value: seconds,
      unit: 's',
    },
    { figure: 'new zone: process ready', value: readySeconds, unit: 's' },
    { figure: 'new zone: messages received', value: messages, unit: 'msgs' },
    { figure: 'new zone: full snapshots', value: snapshots, unit: '' },
    {
      figure: `filling global: ${fullSyncPolicies.toLocaleString('en-US')} REST PUTs`,
      value: fillSeconds,
      unit: 's',
    },
  ];
}

function zoneDataplanes(zone: number): NewResource[] {
  return Array.from({ length: dataplanesPerZone }, (_, i) =>
    dataplane({
      name: `web-${i}`,
      mesh: 'default',
      address: `10.${zone}.${i >> 8}.${i & 255}`,
      inbound: [{ port: 8080, servicePort: 80, tags: { 'kuma.io/service': `web-${i % 50}`, version: 'v1' } }],
    }),
  );
}

async function fanIn(started: ControlPlane[]): Promise<BenchRow[]> {
  const nats = await startNats();
  const stop = new AbortController();
  // One signal for every simulated zone: more listeners than Node's default warning threshold.
  setMaxListeners(0, stop.signal);
  const zones: ZoneSync[] = [];
  try {
    const global = await startControlPlane('global-fan-in', ['--mode', 'global', '--nats-url', nats.url]);
    started.push(global);
    const stores: ResourceStore[] = [];
    for (let z = 0; z < fanInZones; z++) {
      const store = createMemoryStore();
      for (const resource of zoneDataplanes(z)) await store.create(resource);
      stores.push(store);
    }
    const log = pino({ level: 'error' });
    const metrics = new Registry();
    const expected = fanInZones * dataplanesPerZone;
    const startedAt = performance.now();
    for (let z = 0; z < fanInZones; z++) {
      zones.push(
        startZoneSync({
          nats: { url: nats.url },
          zone: `zone-${z}`,
          store: stores[z] as ResourceStore,
          log,
          metrics,
          signal: stop.signal,
        }),
      );
    }
    const nc = await connect({ servers: nats.url });
    let publishedAt: number | undefined;
    try {
      const jsm = await jetstreamManager(nc);
      await until(
        `global to hold ${expected} dataplanes`,
        async () => {
          if (publishedAt === undefined) {
            const info = await jsm.streams.info('KV_zm-zones').catch(() => undefined);
            // Every zone's dataplanes and its ready marker are in the bucket.
            if (info !== undefined && info.state.messages >= expected + fanInZones)
              publishedAt = performance.now();
          }
          return (await total(global.base, '/meshes/default/dataplanes')) === expected;
        },
        300_000,
        250,
      );
    } finally {
      await nc.close();
    }
    const seconds = (performance.now() - startedAt) / 1000;
    const memory = memoryOf(global.process.pid);
    const online = await until(
      'every zone online',
      async () => {
        const body = (await (await fetch(`${global.base}/zones/_overview?size=1000`)).json()) as {
          items: { online: boolean }[];
        };
        const count = body.items.filter((zone) => zone.online).length;
        return count === fanInZones ? count : undefined;
      },
      30_000,
      250,
    );
    const published = publishedAt === undefined ? seconds : (publishedAt - startedAt) / 1000;
    return [
      {
        figure: `${fanInZones} zones x ${dataplanesPerZone.toLocaleString('en-US')} dataplanes: start -> global holds all`,
        value: seconds,
        unit: 's',
      },
      { figure: 'zones published everything (zm-zones complete)', value: published, unit: 's' },
      {
        figure: 'end to end (zones publish, global applies)',
        value: expected / seconds,
        unit: 'dataplanes/s',
      },
      { figure: 'global VmRSS after', value: memory.rssMiB, unit: 'MiB' },
      { figure: 'global VmHWM (peak RSS)', value: memory.peakMiB, unit: 'MiB' },
      { figure: 'zones online on global', value: online, unit: 'zones' },
    ];
  } finally {
    stop.abort();
    await Promise.all(zones.map((zone) => zone.done));
    for (const cp of started.splice(0)) await cp.process.stop();
    await nats.stop();
  }
}

function printSection(title: string, rows: readonly BenchRow[]): void {
  console.log(`\n${title}`);
  console.log(formatTable(['figure', 'value', 'unit', 'baseline', 'ratio'], rows));
}

async function main(): Promise<void> {
  const started: ControlPlane[] = [];
  const runStart = performance.now();
  // Other work on the machine shows in the latencies: the load is part of the result.
  const loadBefore = loadavg()[0] ?? 0;
  // `node sync.bench.js fan-in` runs that part alone (for profiling); no results are written then.
  if (process.argv[2] === 'fan-in') {
    printSection('fan-in', await fanIn(started));
    return;
  }
  const nats = await startNats();
  let propagationRows: BenchRow[];
  let fullSyncRows: BenchRow[];
  try {
    const result = await propagation(nats, started);
    propagationRows = result.rows;
    printSection(
      `1. propagation over ${propagationChanges.toLocaleString('en-US')} changes (ratio = sync ÷ raw KV)`,
      propagationRows,
    );
    fullSyncRows = await fullSync(nats, result.global, started);
    printSection(
      `2. full sync of ${fullSyncPolicies.toLocaleString('en-US')} policies into a new zone`,
      fullSyncRows,
    );
  } finally {
    for (const cp of started.splice(0)) await cp.process.stop();
    await nats.stop();
  }
  const fanInRows = await fanIn(started);
  printSection(
    `3. ${fanInZones} zones x ${dataplanesPerZone.toLocaleString('en-US')} dataplanes into global`,
    fanInRows,
  );
  const section = (name: string, rows: readonly BenchRow[]): BenchRow[] =>
    rows.map((row) => ({ part: name, ...row }));
  console.log('');
  report({
    name: 'sync',
    description:
      'Sync over NATS with real zonemesh-cp processes on one nats-server: propagation vs raw JetStream KV put->watch (ratio = sync ÷ raw), full sync of a new zone, fan-in of 100 zones',
    columns: ['part', 'figure', 'value', 'unit', 'baseline', 'ratio'],
    rows: [
      ...section('propagation', propagationRows),
      ...section('full sync', fullSyncRows),
      ...section('fan-in', fanInRows),
    ],
    settings: {
      propagationZones,
      propagationChanges,
      warmupChanges,
      fullSyncPolicies,
      fanInZones,
      dataplanesPerZone,
      zoneStore: 'memory',
      globalStore: 'memory',
      pollIntervalMs: 1,
      totalSeconds: Math.round((performance.now() - runStart) / 1000),
      loadAverageBefore: Math.round(loadBefore * 100) / 100,
      loadAverageAfter: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    },
  });
}

await main();
