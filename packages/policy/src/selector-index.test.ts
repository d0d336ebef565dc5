import { describe, expect, it } from 'vitest';
import { SelectorIndex, SortedBucket } from './selector-index.js';

describe('SortedBucket', () => {
  it('keeps insertion order among equals and removes by identity', () => {
    const bucket = new SortedBucket<{ n: number; id: string }>((a, b) => a.n - b.n);
    const one = { n: 1, id: 'one' };
    const first = { n: 2, id: 'first' };
    const second = { n: 2, id: 'second' };
    for (const entry of [second, one, first]) bucket.insert(entry);
    expect(bucket.entries.map((e) => e.id)).toEqual(['one', 'second', 'first']);
    expect(bucket.remove(first)).toBe(true);
    expect(bucket.remove({ n: 2, id: 'first' })).toBe(false);
    expect(bucket.entries.map((e) => e.id)).toEqual(['one', 'second']);
  });
});

describe('SelectorIndex', () => {
  const lookup = (index: SelectorIndex<string>, tags: Record<string, string>) =>
    index
      .bucketsFor(tags)
      .flatMap((bucket) => bucket.entries)
      .sort();

  it('finds the selectors that may match and skips the others', () => {
    const index = new SelectorIndex<string>((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    index.add({ 'kuma.io/service': 'web' }, 'web');
    index.add({ 'kuma.io/service': 'api' }, 'api');
    index.add({ 'kuma.io/service': '*', env: 'prod' }, 'prod');
    index.add({ version: '*' }, 'versioned');
    expect(lookup(index, { 'kuma.io/service': 'web', env: 'dev' })).toEqual(['web']);
    expect(lookup(index, { 'kuma.io/service': 'web', env: 'prod', version: 'v1' })).toEqual([
      'prod',
      'versioned',
      'web',
    ]);
  });

  it('spreads selectors sharing a pair over their other pairs', () => {
    const index = new SelectorIndex<string>((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let v = 0; v < 100; v++) index.add({ 'kuma.io/service': 'web', version: `v${v}` }, `web-v${v}`);
    const visited = lookup(index, { 'kuma.io/service': 'web', version: 'v42' });
    expect(visited.length).toBeLessThanOrEqual(2);
    expect(visited).toContain('web-v42');
  });

  it('forgets removed entries and their empty buckets', () => {
    const index = new SelectorIndex<string>((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    index.add({ 'kuma.io/service': 'web' }, 'web');
    expect(index.remove('web')).toBe(true);
    expect(index.remove('web')).toBe(false);
    expect(index.size).toBe(0);
    expect(index.bucketsFor({ 'kuma.io/service': 'web' })).toEqual([]);
  });
});
