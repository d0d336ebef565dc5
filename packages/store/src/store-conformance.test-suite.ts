/**
 * The one conformance suite every `ResourceStore` backend runs (memory-store.test.ts,
 * redis-store.test.ts). It drives the backend through `withContractChecks`, so it also checks
 * that the backend's output keeps the contract.
 */
import { isMeshError, type MeshErrorCode, type NewResource, type Resource } from '@zonemesh/api';
import { dataplane, mesh, trafficPermission, zone } from '@zonemesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { withContractChecks } from './contract-checks.js';
import type { ResourceStore, StoreEvent } from './store.js';

/** One backend instance under test. */
export interface OpenedStore {
  readonly store: ResourceStore;
  /**
   * Opens another store instance over the same data (for Redis: another connection), when the
   * backend can share data between instances. Absent for the memory backend.
   */
  readonly openAnother?: () => Promise<ResourceStore>;
}

export interface StoreFactory {
  /** A new, empty backend instance. The suite closes what it opens. */
  open(options: { readonly historyLimit: number }): Promise<OpenedStore>;
}

/**
 * Guarantees a backend cannot give, each stated here with what the backend does instead.
 */
export interface StoreExceptions {
  /**
   * Whether revisions are shared by every instance over the same data, so a revision read from
   * one instance resumes a watch on another (default true). The Kubernetes backend numbers the
   * changes each instance observes (Kubernetes watches one kind per stream and has no store-wide
   * sequence): exact within an instance, meaningless in another or after a restart, where the
   * consumer lists again (per kind, on an informer's 410 Gone) instead of resuming.
   */
  readonly sharedRevisions?: boolean;
}

/** Registers the conformance tests for one backend. */
export function describeStoreConformance(
  backend: string,
  factory: StoreFactory,
  exceptions: StoreExceptions = {},
): void {
  describe(`ResourceStore conformance: ${backend}`, () => {
    const opened: ResourceStore[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    async function open(
      historyLimit = 1_000,
    ): Promise<{ store: ResourceStore; another?: () => Promise<ResourceStore> }> {
      const instance = await factory.open({ historyLimit });
      opened.push(instance.store);
      const { openAnother } = instance;
      return {
        store: withContractChecks(instance.store),
        ...(openAnother === undefined
          ? {}
          : {
              another: async () => {
                const store = await openAnother();
                opened.push(store);
                return withContractChecks(store);
              },
            }),
      };
    }

    it('starts empty', async () => {
      const { store } = await open();
      expect(await store.revision()).toBe(0);
      expect(await store.get({ type: 'Mesh', name: 'default' })).toBeUndefined();
      expect(await store.list('TrafficPermission')).toEqual({ items: [], total: 0 });
      expect(await store.getCheckpoint('sync')).toBeUndefined();
    });

    it('creates with store-set metadata, and a second create of the key fails with AlreadyExists', async () => {
      const { store } = await open();
      const input = trafficPermission('web-to-backend', 'default', 'web', 'backend', {
        labels: { team: 'a' },
      });
      const created = await store.create(input);
      expect(created.type).toBe('TrafficPermission');
      expect(created.meta).toMatchObject({ name: 'web-to-backend', mesh: 'default', labels: { team: 'a' } });
      expect(created.meta.version).not.toBe('');
      expect(Date.parse(created.meta.creationTime)).not.toBeNaN();
      expect(created.meta.modificationTime).toBe(created.meta.creationTime);
      expect(created.spec).toEqual(input.spec);
      expect(await store.get({ type: 'TrafficPermission', name: 'web-to-backend', mesh: 'default' })).toEqual(
        created,
      );
      expect(await store.revision()).toBe(1);

      await expectCode(
        store.create(trafficPermission('web-to-backend', 'default', 'x', 'y')),
        'AlreadyExists',
      );
      expect(await store.get({ type: 'TrafficPermission', name: 'web-to-backend', mesh: 'default' })).toEqual(
        created,
      );
      expect(await store.revision()).toBe(1);
    });

    it('keeps specs exactly, empty arrays and objects included, and is not changed by later mutation of the input', async () => {
      const { store } = await open();
      const spec = {
        sources: [],
        destinations: [{ match: {} }],
        conf: { list: [[]], n: 1.5, flag: false, none: null },
      };
      const input: NewResource = { type: 'TrafficPermission', meta: { name: 'odd', mesh: 'm' }, spec };
      const created = await store.create(input);
      (spec.conf as { n: number }).n = 99;
      expect(created.spec).toEqual({
        sources: [],
        destinations: [{ match: {} }],
        conf: { list: [[]], n: 1.5, flag: false, none: null },
      });
      expect((await store.get({ type: 'TrafficPermission', name: 'odd', mesh: 'm' }))?.spec).toEqual(
        created.spec,
      );
      expect(created.meta.labels).toEqual({});
    });

    it('keeps creationTime across updates, changes version on every write and modificationTime over time', async () => {
      const { store } = await open();
      const first = await store.create(mesh('default'));
      await sleep(15);
      const second = await store.update(mesh('default', { mtls: { enabledBackend: 'ca-1' } }));
      expect(second.meta.creationTime).toBe(first.meta.creationTime);
      expect(second.meta.modificationTime > first.meta.modificationTime).toBe(true);
      expect(second.meta.version).not.toBe(first.meta.version);
      expect(second.spec).toEqual({ mtls: { enabledBackend: 'ca-1' } });
      const third = await store.update(mesh('default', { mtls: { enabledBackend: 'ca-1' } }));
      expect(third.meta.version).not.toBe(second.meta.version);

      // A creationTime given by the writer (sync copying global's resource) is kept.
      const copied = await store.create({
        ...zone('zone-1'),
        meta: { name: 'zone-1', creationTime: '2024-01-02T03:04:05.000Z' },
      });
      expect(copied.meta.creationTime).toBe('2024-01-02T03:04:05.000Z');
      const updatedCopy = await store.update(zone('zone-1', false));
      expect(updatedCopy.meta.creationTime).toBe('2024-01-02T03:04:05.000Z');
    });

    it('refuses a stale version with Conflict and changes nothing', async () => {
      const { store } = await open();
      const v1 = await store.create(zone('zone-1'));
      const v2 = await store.update(zone('zone-1', false), { version: v1.meta.version });
      const revision = await store.revision();

      await expectCode(
        store.update(zone('zone-1', true), {
          version: v1.meta.version,
          checkpoint: { name: 'cp', value: 'x' },
        }),
        'Conflict',
      );
      await expectCode(
        store.delete({ type: 'Zone', name: 'zone-1' }, { version: v1.meta.version }),
        'Conflict',
      );
      expect(await store.get({ type: 'Zone', name: 'zone-1' })).toEqual(v2);
      expect(await store.revision()).toBe(revision);
      expect(await store.getCheckpoint('cp')).toBeUndefined();

      await store.delete({ type: 'Zone', name: 'zone-1' }, { version: v2.meta.version });
      expect(await store.get({ type: 'Zone', name: 'zone-1' })).toBeUndefined();
    });

    it('fails with NotFound for updates and deletes of missing resources, changing nothing', async () => {
      const { store } = await open();
      await expectCode(store.update(zone('nowhere')), 'NotFound');
      await expectCode(store.delete({ type: 'Zone', name: 'nowhere' }), 'NotFound');
      expect(await store.revision()).toBe(0);
    });

    it('never loses an update when writers race read-modify-write loops with versions', async () => {
      const { store, another } = await open();
      const second = another === undefined ? store : await another();
      await store.create(counter(0));
      const perWriter = 25;
      let conflicts = 0;
      const increment = async (writer: ResourceStore): Promise<void> => {
        for (let done = 0; done < perWriter; ) {
          const current = await writer.get({ type: 'Zone', name: 'counter' });
          if (current === undefined) throw new Error('the counter disappeared');
          const { count } = current.spec as { count: number };
          try {
            await writer.update(counter(count + 1), { version: current.meta.version });
            done++;
          } catch (err) {
            if (!isMeshError(err, 'Conflict')) throw err;
            conflicts++;
          }
        }
      };
      await Promise.all([increment(store), increment(second), increment(store), increment(second)]);
      const final = await second.get({ type: 'Zone', name: 'counter' });
      expect(final?.spec).toEqual({ count: 4 * perWriter });
      expect(await store.revision()).toBe(1 + 4 * perWriter);
      // Interleaved loops do collide; the point is that a collision is reported, not lost.
      expect(conflicts).toBeGreaterThan(0);
    });

    it('resumes a watch from revision N with exactly the events after N, deletes included, in order, then live ones', async () => {
      const { store } = await open();
      await store.create(mesh('default'));
      await store.create(trafficPermission('a', 'default', 'web', 'backend'));
      const n = await store.revision();
      const before = await store.get({ type: 'TrafficPermission', name: 'a', mesh: 'default' });
      await store.update(trafficPermission('a', 'default', 'web', 'db'));
      await store.create(dp('web-1'));
      await store.delete({ type: 'TrafficPermission', name: 'a', mesh: 'default' });
      await store.update(mesh('default', { mtls: {} }));

      const controller = new AbortController();
      const iterator = store.watch({ fromRevision: n, signal: controller.signal })[Symbol.asyncIterator]();
      const events = await take(iterator, 4);
      expect(events.map(summary)).toEqual([
        `${n + 1} update TrafficPermission/default/a`,
        `${n + 2} create Dataplane/default/web-1`,
        `${n + 3} delete TrafficPermission/default/a`,
        `${n + 4} update Mesh/_/default`,
      ]);
      const deleted = events[2]?.resource;
      expect(deleted?.spec).toEqual(trafficPermission('a', 'default', 'web', 'db').spec);
      expect(deleted?.meta.version).not.toBe(before?.meta.version);

      const live = take(iterator, 1);
      await store.create(dp('web-2'));
      expect((await live).map(summary)).toEqual([`${n + 5} create Dataplane/default/web-2`]);
      controller.abort();
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
    });

    it.skipIf(exceptions.sharedRevisions === false)(
      'resumes a watch on another instance from a revision read on the first (revisions are store-wide)',
      async () => {
        const { store, another } = await open();
        if (another === undefined) return;
        const second = await another();
        await store.create(zone('a'));
        const n = await store.revision();
        await store.create(zone('b'));
        await store.delete({ type: 'Zone', name: 'a' });
        const iterator = second.watch({ fromRevision: n })[Symbol.asyncIterator]();
        expect((await take(iterator, 2)).map(summary)).toEqual([
          `${n + 1} create Zone/_/b`,
          `${n + 2} delete Zone/_/a`,
        ]);
        await iterator.return?.();
      },
    );

    it('watch without fromRevision delivers only live events, and ends when aborted', async () => {
      const { store } = await open();
      await store.create(zone('old'));
      const controller = new AbortController();
      const iterator = store.watch({ signal: controller.signal })[Symbol.asyncIterator]();
      const next = iterator.next();
      await sleep(50);
      await store.create(zone('new'));
      const first = await next;
      expect(first.done).toBe(false);
      expect(summary(first.value as StoreEvent)).toBe('2 create Zone/_/new');
      const pending = iterator.next();
      controller.abort();
      expect(await withDeadline(pending, 5_000)).toEqual({ done: true, value: undefined });
    });

    it('delivers the same events to concurrent watchers', async () => {
      const { store } = await open();
      const one = store.watch({ fromRevision: 0 })[Symbol.asyncIterator]();
      const two = store.watch({ fromRevision: 0 })[Symbol.asyncIterator]();
      const first = take(one, 3);
      const second = take(two, 3);
      for (const name of ['a', 'b', 'c']) await store.create(zone(name));
      expect((await first).map(summary)).toEqual((await second).map(summary));
      await one.return?.();
      await two.return?.();
    });

    it('fails a watch with HistoryGone when fromRevision is older than the kept history, or ahead of the store', async () => {
      const historyLimit = 10;
      const { store } = await open(historyLimit);
      await store.create(counter(0));
      let gone = false;
      for (let written = 1; written <= 2_000 && !gone; written++) {
        await store.update(counter(written));
        if (written % 50 === 0) gone = (await watchError(store, 0)) === 'HistoryGone';
      }
      expect(gone).toBe(true);
      // Recent history is still there: at least `historyLimit` events back.
      const revision = await store.revision();
      const recent = store.watch({ fromRevision: revision - historyLimit })[Symbol.asyncIterator]();
      const events = await take(recent, historyLimit);
      expect(events.map((event) => event.revision)).toEqual(range(revision - historyLimit + 1, revision));
      await recent.return?.();

      expect(await watchError(store, revision + 5)).toBe('HistoryGone');
    });

    it('pages lists ordered by mesh then name, with total and next, and filters by mesh', async () => {
      const { store } = await open();
      const names = (prefix: string, count: number): string[] =>
        range(1, count).map((i) => `${prefix}-${String(i).padStart(2, '0')}`);
      for (const name of names('tp', 12)) await store.create(trafficPermission(name, 'a', 'x', 'y'));
      for (const name of names('tp', 3)) await store.create(trafficPermission(name, 'a-b', 'x', 'y'));
      for (const name of names('tp', 4)) await store.create(trafficPermission(name, 'b', 'x', 'y'));
      await store.create(mesh('a'));

      const all: string[] = [];
      let offset: number | undefined = 0;
      const pages: Array<{ total: number; next?: number; count: number }> = [];
      while (offset !== undefined) {
        const page = await store.list('TrafficPermission', { size: 5, offset });
        pages.push({
          total: page.total,
          count: page.items.length,
          ...(page.next === undefined ? {} : { next: page.next }),
        });
        all.push(...page.items.map((item) => `${item.meta.mesh}/${item.meta.name}`));
        offset = page.next;
      }
      expect(pages.map((page) => page.next)).toEqual([5, 10, 15, undefined]);
      expect(pages.every((page) => page.total === 19)).toBe(true);
      expect(all).toEqual([
        ...names('tp', 12).map((name) => `a/${name}`),
        ...names('tp', 3).map((name) => `a-b/${name}`),
        ...names('tp', 4).map((name) => `b/${name}`),
      ]);

      const inA = await store.list('TrafficPermission', { mesh: 'a', size: 5, offset: 10 });
      expect(inA.items.map((item) => item.meta.name)).toEqual(['tp-11', 'tp-12']);
      expect(inA.total).toBe(12);
      expect(inA.next).toBeUndefined();
      expect(
        (await store.list('TrafficPermission', { mesh: 'a-b' })).items.map((item) => item.meta.name),
      ).toEqual(names('tp', 3));
      expect(await store.list('TrafficPermission', { mesh: 'b', offset: 50 })).toEqual({
        items: [],
        total: 4,
      });
      expect(await store.list('TrafficPermission', { mesh: 'none' })).toEqual({ items: [], total: 0 });
      expect((await store.list('TrafficPermission')).items).toHaveLength(19);
      // Global-scoped kinds ignore the mesh filter.
      expect((await store.list('Mesh', { mesh: 'b' })).total).toBe(1);

      await store.delete({ type: 'TrafficPermission', name: 'tp-01', mesh: 'a' });
      expect((await store.list('TrafficPermission', { mesh: 'a', size: 1 })).items[0]?.meta.name).toBe(
        'tp-02',
      );
    });

    it('writes checkpoints atomically with resource writes, and never for a failed write', async () => {
      const { store } = await open();
      await store.create(zone('z'), { checkpoint: { name: 'global', value: '10' } });
      expect(await store.getCheckpoint('global')).toBe('10');
      await store.update(zone('z', false), { checkpoint: { name: 'global', value: '11' } });
      expect(await store.getCheckpoint('global')).toBe('11');
      await expectCode(
        store.create(zone('z'), { checkpoint: { name: 'global', value: '12' } }),
        'AlreadyExists',
      );
      await expectCode(
        store.update(zone('missing'), { checkpoint: { name: 'global', value: '12' } }),
        'NotFound',
      );
      expect(await store.getCheckpoint('global')).toBe('11');
      await store.delete({ type: 'Zone', name: 'z' }, { checkpoint: { name: 'global', value: '13' } });
      expect(await store.getCheckpoint('global')).toBe('13');
      await store.setCheckpoint({ name: 'other', value: 'x' });
      expect(await store.getCheckpoint('other')).toBe('x');
      expect(await store.getCheckpoint('global')).toBe('13');
      // A checkpoint alone is not a resource write: no revision, no event.
      expect(await store.revision()).toBe(3);
    });

    it('refuses bad input with InvalidInput naming the field, and changes nothing', async () => {
      const { store } = await open();
      const cases: Array<[() => Promise<unknown>, string]> = [
        [() => store.create({ ...zone('x'), meta: { name: '' } }), 'meta.name'],
        [() => store.create({ ...zone('x'), meta: { name: 'a/b' } }), 'meta.name'],
        [() => store.create({ ...zone('x'), meta: { name: 'x', mesh: 'default' } }), 'meta.mesh'],
        [() => store.create({ ...trafficPermission('x', 'm', 'a', 'b'), meta: { name: 'x' } }), 'meta.mesh'],
        [() => store.create({ type: 'Bogus' as 'Zone', meta: { name: 'x' }, spec: {} }), 'type'],
        [() => store.create({ ...zone('x'), spec: undefined }), 'spec'],
        [() => store.create(zone('x'), { checkpoint: { name: '', value: '1' } }), 'checkpoint.name'],
        [
          () => store.create({ ...zone('x'), meta: { name: 'x', creationTime: 'yesterday' } }),
          'meta.creationTime',
        ],
        [() => store.update(zone('x'), { version: '' }), 'version'],
        [() => store.get({ type: 'TrafficPermission', name: 'x' }), 'mesh'],
        [() => store.delete({ type: 'Mesh', name: ' ' }), 'name'],
        [() => store.list('TrafficPermission', { size: 0 }), 'size'],
        [() => store.list('TrafficPermission', { size: 1001 }), 'size'],
        [() => store.list('TrafficPermission', { offset: -1 }), 'offset'],
        [() => store.list('TrafficPermission', { mesh: '' }), 'mesh'],
        [() => store.list('Nope' as 'Zone'), 'type'],
        [() => store.getCheckpoint(''), 'name'],
        [() => take(store.watch({ fromRevision: -1 })[Symbol.asyncIterator](), 1), 'fromRevision'],
      ];
      for (const [call, field] of cases) {
        const err = await call().then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(
          isMeshError(err, 'InvalidInput'),
          `expected InvalidInput for ${field}, got ${String(err)}`,
        ).toBe(true);
        expect((err as { causes: Array<{ field: string }> }).causes.map((cause) => cause.field)).toContain(
          field,
        );
      }
      expect(await store.revision()).toBe(0);
      expect((await store.list('Zone')).total).toBe(0);
    });

    it('close is idempotent and ends open watches', async () => {
      const { store } = await open();
      const iterator = store.watch()[Symbol.asyncIterator]();
      const pending = iterator.next();
      await sleep(50);
      await store.close();
      await store.close();
      const result = await withDeadline(
        pending.then(
          (value) => value,
          (err: unknown) => err,
        ),
        5_000,
      );
      expect(result).toEqual({ done: true, value: undefined });
    });
  });
}

function counter(count: number): NewResource {
  return { type: 'Zone', meta: { name: 'counter' }, spec: { count } };
}

function dp(name: string): NewResource {
  return dataplane({ name, mesh: 'default', address: '10.0.0.1', inbound: [{ port: 8080, tags: 'web' }] });
}

function summary(event: StoreEvent): string {
  const resource: Resource = event.resource;
  return `${event.revision} ${event.type} ${resource.type}/${resource.meta.mesh ?? '_'}/${resource.meta.name}`;
}

async function expectCode(call: Promise<unknown>, code: MeshErrorCode): Promise<void> {
  const err = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isMeshError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
}

/** The MeshError code a watch from `fromRevision` fails with at once, or undefined if it starts. */
async function watchError(store: ResourceStore, fromRevision: number): Promise<string | undefined> {
  const controller = new AbortController();
  const iterator = store.watch({ fromRevision, signal: controller.signal })[Symbol.asyncIterator]();
  const first = iterator.next().then(
    () => undefined,
    (err: unknown) => (isMeshError(err) ? err.code : String(err)),
  );
  // A watch that started either delivers an event at once or waits for one: both are "no error".
  const outcome = await Promise.race([first, sleep(1_000).then(() => undefined)]);
  controller.abort();
  await first;
  await iterator.return?.();
  return outcome;
}

async function take(iterator: AsyncIterator<StoreEvent>, count: number): Promise<StoreEvent[]> {
  const events: StoreEvent[] = [];
  while (events.length < count) {
    const next = await withDeadline(iterator.next(), 5_000);
    if (next.done === true) break;
    events.push(next.value);
  }
  return events;
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
