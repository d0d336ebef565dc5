/**
 * Policy decisions at scale: one mesh with 10,000 TrafficPermissions and 10,000
 * MeshTrafficPermissions, `decideTraffic` on the indexed engine next to the scanning reference
 * engine in the same run (the ratio column), the time to build each from scratch, the heap each
 * holds, and the cost of changing one policy in the indexed engine. Before measuring, both engines
 * must give the same answer on a sample of queries.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { EngineResource, PolicyEngine, TrafficQuery } from '@zonemesh/policy';
import { createPolicyEngine, createReferencePolicyEngine } from '@zonemesh/policy';
import { type BenchRow, report } from './report.js';

const trafficPermissions = 10_000;
const meshTrafficPermissions = 10_000;
const services = 10_000;
const queries = 10_000;
/** Measured time per engine; each figure is the best of `rounds`. */
const durationMs = 1_500;
const rounds = 2;
const updates = 2_000;
const sampleChecked = 500;

const service = 'kuma.io/service';

/** A deterministic pseudo-random generator, so every run measures the same policies. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const next = random(42);
const pick = (n: number): number => Math.floor(next() * n);
const svc = (i: number): string => `svc-${i % services}`;
const base = Date.parse('2024-01-01T00:00:00Z');
/** Creation times repeat every 100 policies, so equal ranks with equal times occur. */
const createdAt = (i: number): string => new Date(base + (i % 100) * 1_000).toISOString();

/**
 * TrafficPermissions: most allow one neighbour into one service; some select a version of it;
 * some select every service of an environment (a `*` service value); five allow everything.
 */
function trafficPermission(i: number): EngineResource {
  const roll = i % 20;
  const destination =
    roll < 15
      ? { [service]: svc(i) }
      : roll < 18
        ? { [service]: svc(i), version: `v${i % 3}` }
        : { [service]: '*', env: `env-${i % 50}` };
  const sources =
    i < 5
      ? [{ match: { [service]: '*' } }]
      : [{ match: { [service]: svc(i + 1) } }, { match: { [service]: svc(i + 7), env: 'prod' } }];
  return {
    type: 'TrafficPermission',
    meta: { name: `tp-${i}`, mesh: 'default', creationTime: createdAt(i) },
    spec: { sources, destinations: i < 5 ? [{ match: { [service]: '*' } }] : [{ match: destination }] },
  };
}

/**
 * MeshTrafficPermissions on the odd services only (even ones fall back to TrafficPermissions):
 * MeshService, MeshServiceSubset by version and MeshSubset by team, a tenth of them zone-origin.
 */
function meshTrafficPermission(i: number): EngineResource {
  const targetIndex = 2 * pick(services / 2) + 1;
  const target = svc(targetIndex);
  const roll = i % 20;
  const targetRef =
    roll < 12
      ? { kind: 'MeshService', name: target }
      : roll < 17
        ? { kind: 'MeshServiceSubset', name: target, tags: { version: `v${i % 3}` } }
        : { kind: 'MeshSubset', tags: { team: `team-${i % 200}` } };
  const from = [
    { targetRef: { kind: 'Mesh' }, default: { action: i % 2 === 0 ? 'Deny' : 'AllowWithShadowDeny' } },
    { targetRef: { kind: 'MeshService', name: svc(targetIndex + 3) }, default: { action: 'Allow' } },
    { targetRef: { kind: 'MeshSubset', tags: { env: `env-${i % 50}` } }, default: { action: 'Deny' } },
  ].slice(0, 1 + (i % 3));
  return {
    type: 'MeshTrafficPermission',
    meta: {
      name: `mtp-${i}`,
      mesh: 'default',
      creationTime: createdAt(i),
      labels: i % 10 === 0 ? { 'kuma.io/origin': 'zone' } : {},
    },
    spec: { targetRef, from },
  };
}

function inbound(i: number): Record<string, string> {
  return { [service]: svc(i), version: `v${i % 3}`, env: `env-${i % 50}`, team: `team-${i % 200}` };
}

const policies: EngineResource[] = [
  ...Array.from({ length: trafficPermissions }, (_, i) => trafficPermission(i)),
  ...Array.from({ length: meshTrafficPermissions }, (_, i) => meshTrafficPermission(i)),
];
/** Half the clients are ones some policy names (the destination's neighbours), half random. */
const workload: TrafficQuery[] = Array.from({ length: queries }, () => {
  const destination = pick(services);
  const source = next() < 0.5 ? destination + 1 + 2 * pick(2) : pick(services);
  return { source: inbound(source), destination: inbound(destination) };
});

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Builds an engine with every policy; returns it with the build time and the heap it holds. */
function build(create: typeof createPolicyEngine): {
  engine: PolicyEngine;
  buildMs: number;
  heapMiB: number;
} {
  const before = heapUsed();
  const started = performance.now();
  const engine = create({ mesh: 'default' });
  for (const policy of policies) engine.upsert(policy);
  const buildMs = performance.now() - started;
  const heapMiB = (heapUsed() - before) / 2 ** 20;
  return { engine, buildMs, heapMiB };
}

/** Decisions per second over the workload, best of `rounds`. */
function decisionsPerSecond(engine: PolicyEngine): number {
  let best = 0;
  for (let round = 0; round < rounds; round++) {
    let done = 0;
    const started = performance.now();
    const deadline = started + durationMs;
    while (performance.now() < deadline) {
      for (let i = 0; i < 100; i++) engine.decideTraffic(workload[(done + i) % queries] as TrafficQuery);
      done += 100;
    }
    best = Math.max(best, done / ((performance.now() - started) / 1_000));
  }
  return best;
}

/** Microseconds per change of one policy (replace one in place, then remove and re-add another). */
function updateMicros(engine: PolicyEngine): number {
  const started = performance.now();
  for (let i = 0; i < updates; i++) {
    const replaced = trafficPermission((i * 7919) % trafficPermissions);
    engine.upsert({ ...replaced, spec: { ...(replaced.spec as object), conf: { round: i } } });
    const moved = meshTrafficPermission((i * 104_729) % meshTrafficPermissions);
    engine.remove('MeshTrafficPermission', moved.meta.name);
    engine.upsert(moved);
  }
  return ((performance.now() - started) * 1_000) / (updates * 3);
}

// The first build of each warms the JIT up; the second is measured.
build(createReferencePolicyEngine);
build(createPolicyEngine);
const reference = build(createReferencePolicyEngine);
const indexed = build(createPolicyEngine);

let mismatches = 0;
for (const query of workload.slice(0, sampleChecked)) {
  const a = JSON.stringify(indexed.engine.decideTraffic(query));
  const b = JSON.stringify(reference.engine.decideTraffic(query));
  if (a !== b) mismatches++;
}
if (mismatches > 0) {
  console.error(
    `policy bench: the indexed engine disagrees with the reference on ${mismatches} of ${sampleChecked} queries`,
  );
  process.exit(1);
}
const outcomes = new Map<string, number>();
for (const query of workload) {
  const decision = indexed.engine.decideTraffic(query);
  const key = `${decision.policy?.type ?? 'none'} ${decision.decision}`;
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
}

const referenceRate = decisionsPerSecond(reference.engine);
const indexedRate = decisionsPerSecond(indexed.engine);
const update = updateMicros(indexed.engine);

const rows: BenchRow[] = [
  {
    engine: 'reference (scan)',
    'build ms': reference.buildMs,
    'heap MiB': reference.heapMiB,
    'decisions/s': referenceRate,
    'vs scan': 1,
    'update µs': '-',
  },
  {
    engine: 'indexed',
    'build ms': indexed.buildMs,
    'heap MiB': indexed.heapMiB,
    'decisions/s': indexedRate,
    'vs scan': indexedRate / referenceRate,
    'update µs': update,
  },
];

report({
  name: 'policy',
  description: `decideTraffic with ${trafficPermissions.toLocaleString('en-US')} TrafficPermissions and ${meshTrafficPermissions.toLocaleString('en-US')} MeshTrafficPermissions in one mesh: indexed engine vs scanning reference (same run, same queries)`,
  columns: ['engine', 'build ms', 'heap MiB', 'decisions/s', 'vs scan', 'update µs'],
  rows,
  settings: {
    durationMs,
    rounds,
    queries,
    services,
    sampleCheckedEqual: sampleChecked,
    ...Object.fromEntries([...outcomes].map(([key, count]) => [`outcome ${key}`, count])),
  },
});
