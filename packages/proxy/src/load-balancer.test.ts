import { describe, expect, it } from 'vitest';
import { type Endpoint, endpointKey } from './endpoint.js';
import { createLocalityAware, createRoundRobin, createWeighted, type LoadBalancer } from './load-balancer.js';

const ep = (port: number, extra: Partial<Endpoint> = {}): Endpoint => ({
  address: '10.0.0.1',
  port,
  ...extra,
});

function counts(
  balancer: LoadBalancer,
  endpoints: readonly Endpoint[],
  picks: number,
): Record<number, number> {
  const out: Record<number, number> = {};
  for (let i = 0; i < picks; i++) {
    const picked = balancer.pick(endpoints);
    if (picked !== undefined) out[picked.port] = (out[picked.port] ?? 0) + 1;
  }
  return out;
}

describe('round robin', () => {
  it('spreads evenly and ignores weights', () => {
    expect(counts(createRoundRobin(), [ep(1), ep(2, { weight: 5 }), ep(3)], 300)).toEqual({
      1: 100,
      2: 100,
      3: 100,
    });
  });

  it('picks nothing from nothing', () => {
    expect(createRoundRobin().pick([])).toBeUndefined();
  });
});

describe('weighted', () => {
  it('gives each endpoint exactly its share over a window of the total weight', () => {
    const endpoints = [ep(1, { weight: 1 }), ep(2, { weight: 2 }), ep(3, { weight: 3 })];
    const balancer = createWeighted();
    expect(counts(balancer, endpoints, 6)).toEqual({ 1: 1, 2: 2, 3: 3 });
    expect(counts(balancer, endpoints, 600)).toEqual({ 1: 100, 2: 200, 3: 300 });
  });

  it('interleaves instead of sending bursts to the heaviest', () => {
    const endpoints = [ep(1, { weight: 5 }), ep(2, { weight: 1 }), ep(3, { weight: 1 })];
    const balancer = createWeighted();
    const sequence = Array.from({ length: 7 }, () => balancer.pick(endpoints)?.port);
    expect(sequence).toEqual([1, 1, 2, 1, 3, 1, 1]);
  });

  it('never picks a zero-weight endpoint and keeps its spread when the list changes', () => {
    const balancer = createWeighted();
    expect(counts(balancer, [ep(1, { weight: 0 }), ep(2)], 10)).toEqual({ 2: 10 });
    expect(balancer.pick([ep(1, { weight: 0 })])).toBeUndefined();
    expect(counts(balancer, [ep(2), ep(3)], 10)).toEqual({ 2: 5, 3: 5 });
  });
});

describe('locality aware', () => {
  const endpoints = [
    ep(1, { zone: 'zone-1' }),
    ep(2, { zone: 'zone-1' }),
    ep(3, { zone: 'zone-2', weight: 10 }),
    ep(4, { zone: 'zone-3', weight: 30 }),
  ];

  it('keeps to local endpoints while any is offered', () => {
    expect(counts(createLocalityAware({ localZone: 'zone-1' }), endpoints, 100)).toEqual({ 1: 50, 2: 50 });
  });

  it('goes remote, by weight, when no local endpoint is offered (e.g. all unhealthy)', () => {
    const remote = endpoints.filter((e) => e.zone !== 'zone-1');
    expect(counts(createLocalityAware({ localZone: 'zone-1' }), remote, 40)).toEqual({ 3: 10, 4: 30 });
  });

  it('treats endpoints without a zone as local', () => {
    expect(
      counts(createLocalityAware({ localZone: 'zone-1' }), [ep(5), ep(3, { zone: 'zone-2' })], 10),
    ).toEqual({ 5: 10 });
  });
});

describe('endpointKey', () => {
  it('brackets IPv6 addresses', () => {
    expect(endpointKey({ address: '::1', port: 80 })).toBe('[::1]:80');
    expect(endpointKey({ address: '10.0.0.1', port: 80 })).toBe('10.0.0.1:80');
  });
});
