import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMeshError, type MeshErrorCode } from '@zonemesh/api';
import { type RedisServer, startRedis, zone } from '@zonemesh/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withContractChecks } from './contract-checks.js';
import { createRedisStore } from './redis-store.js';
import type { ResourceStore, StoreEvent } from './store.js';
import { describeStoreConformance } from './store-conformance.test-suite.js';

let shared: RedisServer;
let prefixes = 0;
beforeAll(async () => {
  shared = await startRedis();
});
afterAll(async () => {
  await shared?.stop();
});

describeStoreConformance('redis', {
  open: async ({ historyLimit }) => {
    // A fresh key prefix per test: an empty store on the one shared server.
    const keyPrefix = `conformance-${++prefixes}:`;
    return {
      store: createRedisStore({ url: shared.url, keyPrefix, historyLimit }),
      openAnother: async () => createRedisStore({ url: shared.url, keyPrefix, historyLimit }),
    };
  },
});

describe('createRedisStore', () => {
  const stores: ResourceStore[] = [];
  const servers: RedisServer[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });
  const open = (url: string, keyPrefix = 'zonemesh:'): ResourceStore => {
    const store = withContractChecks(createRedisStore({ url, keyPrefix }));
    stores.push(store);
    return store;
  };
  const ownServer = async (): Promise<RedisServer> => {
    const server = await startRedis({ appendonly: true });
    servers.push(server);
    return server;
  };

  it('refuses to start without exactly one of url and client', () => {
    expect(() => createRedisStore({})).toThrow(/exactly one of url or client/);
  });

  it('has every write made by another process that has exited', async () => {
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    expect(existsSync(dist), 'build @zonemesh/store first (pnpm --filter @zonemesh/store build)').toBe(true);
    const script = `
      const { createRedisStore } = await import(${JSON.stringify(dist)});
      const store = createRedisStore({ url: ${JSON.stringify(shared.url)}, keyPrefix: 'child:' });
      for (let i = 0; i < 20; i++) {
        await store.create({ type: 'Zone', meta: { name: 'zone-' + i }, spec: { enabled: true } },
          { checkpoint: { name: 'written', value: String(i) } });
      }
      await store.delete({ type: 'Zone', name: 'zone-0' });
      await store.close();`;
    expect(await runNode(script)).toBe(0);

    const store = open(shared.url, 'child:');
    expect(await store.revision()).toBe(21);
    expect((await store.list('Zone')).total).toBe(19);
    expect(await store.get({ type: 'Zone', name: 'zone-0' })).toBeUndefined();
    expect((await store.get({ type: 'Zone', name: 'zone-7' }))?.spec).toEqual({ enabled: true });
    expect(await store.getCheckpoint('written')).toBe('19');
    const events = await collect(store, 0, 21);
    expect(events.at(-1)?.type).toBe('delete');
  });

  it('keeps data, revision, history and checkpoints across a redis-server restart (appendonly)', async () => {
    const server = await ownServer();
    const store = open(server.url);
    await store.create(zone('a'), { checkpoint: { name: 'cp', value: '1' } });
    const updated = await store.update(zone('a', false));
    await server.restart();

    // The same store instance reconnects; EVALSHA finds an empty script cache and falls back.
    expect(await eventually(() => store.get({ type: 'Zone', name: 'a' }))).toEqual(updated);
    const fresh = open(server.url);
    expect(await fresh.get({ type: 'Zone', name: 'a' })).toEqual(updated);
    expect(await fresh.revision()).toBe(2);
    expect(await fresh.getCheckpoint('cp')).toBe('1');
    await fresh.create(zone('b'));
    expect(
      (await collect(fresh, 0, 3)).map(
        (event) => `${event.revision} ${event.type} ${event.resource.meta.name}`,
      ),
    ).toEqual(['1 create a', '2 update a', '3 create b']);
  });

  it('fails calls and watches with Unavailable (not hanging) while redis-server is down, and works again after restart', async () => {
    const server = await ownServer();
    const store = open(server.url);
    await store.create(zone('z'));
    let watched = 0;
    const watchOutcome = (async (): Promise<string> => {
      try {
        for await (const _ of store.watch()) watched++;
        return 'ended';
      } catch (err) {
        return isMeshError(err) ? err.code : String(err);
      }
    })();

    // Writes in flight when the server dies.
    let writes = 0;
    const writer = (async (): Promise<string> => {
      for (;;) {
        try {
          await store.update(zone('z', writes % 2 === 0));
          writes++;
        } catch (err) {
          return isMeshError(err) ? err.code : String(err);
        }
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.kill();

    expect(await withDeadline(writer, 10_000)).toBe('Unavailable');
    expect(writes).toBeGreaterThan(0);
    expect(await withDeadline(watchOutcome, 10_000)).toBe('Unavailable');
    expect(watched).toBeGreaterThan(0);
    const started = Date.now();
    await expectCode(store.get({ type: 'Zone', name: 'z' }), 'Unavailable');
    await expectCode(store.update(zone('z')), 'Unavailable');
    await expectCode(store.revision(), 'Unavailable');
    expect(Date.now() - started).toBeLessThan(15_000);

    await server.restart();
    const after = await eventually(() => store.update(zone('z', true)));
    expect(after.spec).toEqual({ enabled: true });
    expect(Number(after.meta.version)).toBeGreaterThan(writes);
    // A new watch works again.
    const resumed = await collect(store, Number(after.meta.version) - 1, 1);
    expect(resumed[0]?.revision).toBe(Number(after.meta.version));
  });

  it('makes each write one atomic script: a conflicting writer on another connection cannot slip in between', async () => {
    const a = open(shared.url, 'atomic:');
    const b = open(shared.url, 'atomic:');
    await a.create(zone('z'));
    const base = (await a.get({ type: 'Zone', name: 'z' }))?.meta.version as string;
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? a : b).update(zone('z', i % 2 === 0), { version: base }),
      ),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(failed.every((result) => isMeshError(result.reason, 'Conflict'))).toBe(true);
    expect(await a.revision()).toBe(2);
  });
});

async function collect(store: ResourceStore, fromRevision: number, count: number): Promise<StoreEvent[]> {
  const controller = new AbortController();
  const events: StoreEvent[] = [];
  const iterator = store.watch({ fromRevision, signal: controller.signal })[Symbol.asyncIterator]();
  try {
    while (events.length < count) {
      const next = await withDeadline(iterator.next(), 5_000);
      if (next.done === true) break;
      events.push(next.value);
    }
  } finally {
    controller.abort();
    await iterator.return?.();
  }
  return events;
}

/** Retries `call` while it fails with Unavailable, up to 10 s (the client reconnects meanwhile). */
async function eventually<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!isMeshError(err, 'Unavailable') || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function expectCode(call: Promise<unknown>, code: MeshErrorCode): Promise<void> {
  const err = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isMeshError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function runNode(script: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', resolve);
  });
}
