import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './memory-store.js';
import { describeStoreConformance } from './store-conformance.test-suite.js';

describeStoreConformance('memory', {
  open: async ({ historyLimit }) => ({ store: createMemoryStore({ historyLimit }) }),
});

describe('createMemoryStore', () => {
  it('returns frozen resources that callers cannot change under the store', async () => {
    const store = createMemoryStore();
    const created = await store.create({ type: 'Zone', meta: { name: 'z' }, spec: { enabled: true } });
    expect(() => {
      (created.spec as { enabled: boolean }).enabled = false;
    }).toThrow(TypeError);
    expect((await store.get({ type: 'Zone', name: 'z' }))?.spec).toEqual({ enabled: true });
  });

  it('refuses a bad historyLimit naming the field', () => {
    expect(() => createMemoryStore({ historyLimit: 0 })).toThrow(/historyLimit/);
  });

  it('lists in order across interleaved creates, updates, deletes and re-creates between lists', async () => {
    const store = createMemoryStore();
    const live = new Map<string, number>();
    // A deterministic pseudo-random walk (LCG), so a failure reproduces.
    let seed = 7;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed % n;
    };
    const got: unknown[] = [];
    const wanted: unknown[] = [];
    const zone = (name: string, value: number) => ({
      type: 'Zone' as const,
      meta: { name },
      spec: { value },
    });
    for (let step = 0; step < 3_000; step++) {
      const name = `z-${next(300)}`;
      const value = step;
      if (!live.has(name)) {
        await store.create(zone(name, value));
        live.set(name, value);
      } else if (next(3) === 0) {
        await store.delete({ type: 'Zone', name });
        live.delete(name);
      } else {
        await store.update(zone(name, value));
        live.set(name, value);
      }
      if (next(10) === 0) {
        const listed = await store.list('Zone', { size: 1_000 });
        got.push(listed.items.map((item) => [item.meta.name, (item.spec as { value: number }).value]));
        wanted.push([...live].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      }
    }
    expect(got.length).toBeGreaterThan(100);
    expect(got).toEqual(wanted);
  });
});
