/**
 * Store throughput: put (update), get and list (a page of 100) on the memory and Redis backends,
 * each next to raw ioredis pipelined SET / GET / MGET-of-100 on the same redis-server in the same
 * run. The ratio column is store ops/s ÷ raw ops/s: how much of Redis's raw speed the store keeps
 * after its atomic Lua writes, event log, JSON and contract checks.
 */
import type { NewResource, ResourceKey } from '@zonemesh/api';
import { createMemoryStore, createRedisStore, type ResourceStore, withContractChecks } from '@zonemesh/store';
import { dataplane, startRedis } from '@zonemesh/testkit';
import { Redis } from 'ioredis';
import { type BenchRow, report } from './report.js';

/** Measured time per figure; each figure is the best of `rounds` (other work shares the machine). */
const durationMs = 1_500;
const rounds = 2;
const warmupMs = 300;
/** Operations in flight at once, for the stores and for the raw baseline alike. */
const inFlight = 64;
/** Raw baseline: pipelines of this many commands, `inFlight / rawPipeline` of them in flight. */
const rawPipeline = 16;
const resources = 1_000;
const pageSize = 100;

function resource(i: number): NewResource {
  return dataplane({
    name: `web-${i}`,
    mesh: 'default',
    address: `10.0.${i >> 8}.${i & 255}`,
    inbound: [
      {
        port: 8080,
        servicePort: 80,
        tags: { 'kuma.io/service': 'web', version: 'v1', 'kuma.io/zone': 'zone-1' },
      },
    ],
    labels: { 'kuma.io/origin': 'zone', 'kuma.io/zone': 'zone-1' },
  });
}

function key(i: number): ResourceKey {
  return { type: 'Dataplane', name: `web-${i}`, mesh: 'default' };
}

/** Ops/s of `op`, run by `inFlight` concurrent loops for `durationMs` after a warm-up. */
async function throughput(op: (i: number) => Promise<unknown>): Promise<number> {
  let counter = 0;
  const runFor = async (ms: number): Promise<number> => {
    const deadline = performance.now() + ms;
    let done = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < deadline) {
          await op(counter++);
          done++;
        }
      }),
    );
    return done;
  };
  await runFor(warmupMs);
  const started = performance.now();
  const done = await runFor(durationMs);
  return done / ((performance.now() - started) / 1_000);
}

/** Ops/s of raw pipelined commands: `inFlight / rawPipeline` loops, each sending pipelines. */
async function rawThroughput(
  redis: Redis,
  add: (pipeline: ReturnType<Redis['pipeline']>, i: number) => void,
) {
  const batches = inFlight / rawPipeline;
  let counter = 0;
  const runFor = async (ms: number): Promise<number> => {
    const deadline = performance.now() + ms;
    let done = 0;
    await Promise.all(
      Array.from({ length: batches }, async () => {
        while (performance.now() < deadline) {
          const pipeline = redis.pipeline();
          for (let n = 0; n < rawPipeline; n++) add(pipeline, counter++);
          const results = await pipeline.exec();
          for (const [err] of results ?? []) if (err) throw err;
          done += rawPipeline;
        }
      }),
    );
    return done;
  };
  await runFor(warmupMs);
  const started = performance.now();
  const done = await runFor(durationMs);
  return done / ((performance.now() - started) / 1_000);
}

async function main(): Promise<void> {
  const server = await startRedis();
  const raw = new Redis(server.url, { enableAutoPipelining: false });
  const redisStore = withContractChecks(createRedisStore({ url: server.url, keyPrefix: 'bench:' }));
  const memoryStore = withContractChecks(createMemoryStore());
  try {
    const payload = JSON.stringify(resource(0));
    const preload = raw.pipeline();
    for (let i = 0; i < resources; i++) preload.set(`raw:${i}`, JSON.stringify(resource(i)));
    await preload.exec();
    for (const store of [redisStore, memoryStore] as ResourceStore[]) {
      await Promise.all(Array.from({ length: resources }, (_, i) => store.create(resource(i))));
    }
    const pageKeys = (i: number): string[] => {
      const start = (i * pageSize) % resources;
      return Array.from({ length: pageSize }, (_, n) => `raw:${start + n}`);
    };

    const rows: BenchRow[] = [];
    const operations: Array<{
      name: string;
      raw: string;
      rawAdd: (pipeline: ReturnType<Redis['pipeline']>, i: number) => void;
      op: (store: ResourceStore, i: number) => Promise<unknown>;
    }> = [
      {
        name: 'put (update)',
        raw: 'SET',
        rawAdd: (pipeline, i) => pipeline.set(`raw:${i % resources}`, payload),
        op: (store, i) => store.update(resource(i % resources)),
      },
      {
        name: 'get',
        raw: 'GET',
        rawAdd: (pipeline, i) => pipeline.get(`raw:${i % resources}`),
        op: (store, i) => store.get(key(i % resources)),
      },
      {
        name: `list (page of ${pageSize})`,
        raw: `MGET ${pageSize}`,
        rawAdd: (pipeline, i) => pipeline.mget(...pageKeys(i)),
        op: (store, i) =>
          store.list('Dataplane', { mesh: 'default', size: pageSize, offset: (i * pageSize) % resources }),
      },
    ];
    for (const operation of operations) {
      // Interleaved rounds, best of each: a burst of other load on the machine then hurts one
      // round of one figure, not a whole column.
      let rawOps = 0;
      let redisOps = 0;
      let memoryOps = 0;
      for (let round = 0; round < rounds; round++) {
        rawOps = Math.max(rawOps, await rawThroughput(raw, operation.rawAdd));
        redisOps = Math.max(redisOps, await throughput((i) => operation.op(redisStore, i)));
        memoryOps = Math.max(memoryOps, await throughput((i) => operation.op(memoryStore, i)));
      }
      for (const [backend, ops] of [
        ['redis', redisOps],
        ['memory', memoryOps],
      ] as const) {
        rows.push({
          operation: operation.name,
          backend,
          'ops/s': ops,
          baseline: `raw ${operation.raw}`,
          'baseline ops/s': rawOps,
          ratio: ops / rawOps,
        });
      }
    }
    report({
      name: 'store',
      description:
        'ResourceStore throughput vs raw ioredis pipelined commands on the same redis-server (ratio = store ÷ raw)',
      columns: ['operation', 'backend', 'ops/s', 'baseline', 'baseline ops/s', 'ratio'],
      rows,
      settings: {
        durationMs,
        warmupMs,
        inFlight,
        rawPipeline,
        resources,
        pageSize,
        payloadBytes: payload.length,
      },
    });
  } finally {
    await redisStore.close();
    await memoryStore.close();
    raw.disconnect();
    await server.stop();
  }
}

await main();
