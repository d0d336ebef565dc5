import type { ProxyRoute } from '@zonemesh/api';
import type { Endpoint } from '@zonemesh/proxy';
import { describe, expect, it } from 'vitest';
import { createSplitPicker } from './route-split.js';

const at = (port: number, zone: string, version = 'v1'): Endpoint => ({
  address: '127.0.0.1',
  port,
  zone,
  tags: { 'kuma.io/service': 'backend', 'kuma.io/zone': zone, version },
});
const local = at(1, 'zone-1');
const remote = at(2, 'zone-2');
const localV2 = at(3, 'zone-1', 'v2');
const route = (split: ProxyRoute['split']): ProxyRoute => ({
  policy: { type: 'TrafficRoute', name: 'r' },
  split,
});

describe('createSplitPicker', () => {
  it('passes every usable endpoint through without a route', () => {
    expect(createSplitPicker().candidates(undefined, [local, remote])).toEqual([local, remote]);
  });

  it('spreads connections over the entries by weight, each to the endpoints carrying its tags', () => {
    const picker = createSplitPicker();
    const split = route([
      { weight: 3, tags: { 'kuma.io/zone': 'zone-1' } },
      { weight: 1, tags: { 'kuma.io/zone': 'zone-2' } },
    ]);
    const zones = Array.from({ length: 8 }, () => picker.candidates(split, [local, remote, localV2]));
    expect(zones.filter((c) => c.length === 2 && c.includes(local) && c.includes(localV2))).toHaveLength(6);
    expect(zones.filter((c) => c.length === 1 && c[0] === remote)).toHaveLength(2);
  });

  it('gives the share of an entry without usable endpoints (or weight 0) to the others', () => {
    const picker = createSplitPicker();
    const split = route([
      { weight: 1, tags: { version: 'v3' } },
      { weight: 0, tags: { 'kuma.io/zone': 'zone-2' } },
      { weight: 1, tags: { version: 'v2' } },
    ]);
    for (let i = 0; i < 4; i++) expect(picker.candidates(split, [local, remote, localV2])).toEqual([localV2]);
  });

  it('offers nothing when no entry has a usable endpoint', () => {
    expect(createSplitPicker().candidates(route([{ weight: 1, tags: { version: 'v9' } }]), [local])).toEqual(
      [],
    );
  });
});
