/**
 * Test harness for sync: global and zone sync instances on memory stores against a real
 * nats-server, log capture, metric reads, waiting for outcomes, and content hashes of stores.
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Resource, ResourceType } from '@zonemesh/api';
import { createMemoryStore, type ResourceStore } from '@zonemesh/store';
import { type Logger, pino } from 'pino';
import { Registry } from 'prom-client';
import { startGlobalSync } from '../global/global-sync.js';
import { listAll } from '../store-follower.js';
import type { GlobalSync, NatsConnectionOptions, ZoneSync } from '../sync-contract.js';
import { canonicalJson } from '../wire-format.js';
import { startZoneSync } from '../zone/zone-sync.js';

/** Captured log lines (parsed JSON). */
export interface CapturedLogs {
  readonly lines: Record<string, unknown>[];
  /** Lines whose `msg` contains `text`. */
  find(text: string): Record<string, unknown>[];
}

/** A pino logger that keeps every line in memory (debug and above). */
export function captureLogger(): { log: Logger; logs: CapturedLogs } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  const log = pino({ level: 'debug' }, stream);
  return {
    log,
    logs: {
      lines,
      find: (text) => lines.filter((line) => String(line['msg']).includes(text)),
    },
  };
}

/** The value of a counter or gauge series whose labels include `labels` (summed), 0 when absent. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  let sum = 0;
  for (const value of values) {
    const series = value.labels as Record<string, string | number>;
    if (Object.entries(labels).every(([key, wanted]) => String(series[key]) === wanted)) sum += value.value;
  }
  return sum;
}

/** Polls `check` until it returns a value other than undefined/false, or fails at the deadline. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A running sync side with its store, metrics, logs and a stop. */
export interface Running<S> {
  readonly sync: S;
  readonly store: ResourceStore;
  readonly metrics: Registry;
  readonly logs: CapturedLogs;
  /** Aborts and waits for `done`. Idempotent. */
  stop(): Promise<void>;
}

function running<S extends { done: Promise<void> }>(
  make: (options: { log: Logger; metrics: Registry; signal: AbortSignal }) => S,
  store: ResourceStore,
): Running<S> {
  const { log, logs } = captureLogger();
  const metrics = new Registry();
  const controller = new AbortController();
  const sync = make({ log, metrics, signal: controller.signal });
  return {
    sync,
    store,
    metrics,
    logs,
    async stop() {
      controller.abort();
      await sync.done;
    },
  };
}

export interface GlobalHarnessOptions {
  readonly nats: NatsConnectionOptions;
  readonly store?: ResourceStore;
  readonly zoneOfflineTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
}

/** Starts global sync on a (new or given) memory store. */
export function startGlobal(options: GlobalHarnessOptions): Running<GlobalSync> {
  const store = options.store ?? createMemoryStore();
  return running(
    (common) =>
      startGlobalSync({
        ...common,
        nats: options.nats,
        store,
        zoneOfflineTimeoutMs: options.zoneOfflineTimeoutMs ?? 30_000,
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? 200,
      }),
    store,
  );
}

export interface ZoneHarnessOptions {
  readonly nats: NatsConnectionOptions;
  readonly zone: string;
  readonly store?: ResourceStore;
  readonly heartbeatIntervalMs?: number;
}

/** Starts zone sync on a (new or given) memory store. */
export function startZone(options: ZoneHarnessOptions): Running<ZoneSync> {
  const store = options.store ?? createMemoryStore();
  return running(
    (common) =>
      startZoneSync({
        ...common,
        nats: options.nats,
        zone: options.zone,
        store,
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? 200,
      }),
    store,
  );
}

/** Every resource of the given kinds, sorted, as `{type, mesh, name, labels, spec}`. */
export async function snapshotOf(
  store: ResourceStore,
  types: readonly ResourceType[],
  filter: (resource: Resource) => boolean = () => true,
): Promise<{ type: string; mesh?: string; name: string; labels: Record<string, string>; spec: unknown }[]> {
  const resources = (await listAll(store, types)).filter(filter);
  return resources
    .map((resource) => ({
      type: resource.type,
      ...(resource.meta.mesh === undefined ? {} : { mesh: resource.meta.mesh }),
      name: resource.meta.name,
      labels: { ...resource.meta.labels },
      spec: resource.spec,
    }))
    .sort((a, b) =>
      `${a.type}/${a.mesh ?? ''}/${a.name}`.localeCompare(`${b.type}/${b.mesh ?? ''}/${b.name}`),
    );
}

/**
 * A hash of the kinds' content (type, mesh, name, spec; labels without `kuma.io/origin`, which
 * sync adds on the zone side), to compare a zone's copies with global's originals.
 */
export async function contentHash(
  store: ResourceStore,
  types: readonly ResourceType[],
  filter?: (resource: Resource) => boolean,
): Promise<{ hash: string; count: number }> {
  const items = (await snapshotOf(store, types, filter)).map((item) => {
    const { ['kuma.io/origin']: _origin, ...labels } = item.labels;
    return { ...item, labels };
  });
  return { hash: createHash('sha256').update(canonicalJson(items)).digest('hex'), count: items.length };
}

/** The global-origin kinds. */
export const globalKinds: readonly ResourceType[] = [
  'Mesh',
  'TrafficPermission',
  'HealthCheck',
  'TrafficRoute',
  'MeshTrafficPermission',
  'MeshHealthCheck',
  'Zone',
];
