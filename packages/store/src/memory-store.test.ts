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
});
