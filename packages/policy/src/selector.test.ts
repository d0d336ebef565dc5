import { describe, expect, it } from 'vitest';
import {
  clientIdentity,
  combineRanks,
  compareRanks,
  rankOf,
  selectorMatches,
  sourceMatchesClient,
  subsetMatchesClient,
} from './selector.js';

describe('selectorMatches (Kuma TagSelector.Matches)', () => {
  it.each([
    [{ 'kuma.io/service': 'web' }, { 'kuma.io/service': 'web', version: 'v1' }, true],
    [{ 'kuma.io/service': 'web' }, { 'kuma.io/service': 'api' }, false],
    [{ version: '*' }, { 'kuma.io/service': 'web', version: 'v1' }, true],
    [{ version: '*' }, { 'kuma.io/service': 'web' }, false],
    [{}, { 'kuma.io/service': 'web' }, true],
  ])('%j against %j: %s', (selector, tags, expected) => {
    expect(selectorMatches(selector, tags)).toBe(expected);
  });
});

describe('ranks', () => {
  it('counts exact and wildcard values', () => {
    expect(rankOf({ 'kuma.io/service': '*', version: 'v1' })).toEqual({ exact: 1, wildcard: 1 });
  });

  it('orders by total tags first, then exact values', () => {
    expect(compareRanks({ exact: 0, wildcard: 2 }, { exact: 1, wildcard: 0 })).toBeGreaterThan(0);
    expect(compareRanks({ exact: 1, wildcard: 1 }, { exact: 2, wildcard: 0 })).toBeLessThan(0);
    expect(compareRanks({ exact: 1, wildcard: 1 }, { exact: 1, wildcard: 1 })).toBe(0);
  });

  it('combines component by component', () => {
    expect(combineRanks({ exact: 1, wildcard: 0 }, { exact: 0, wildcard: 1 })).toEqual({
      exact: 1,
      wildcard: 1,
    });
  });
});

describe('client identity', () => {
  const client = clientIdentity([
    { 'kuma.io/service': 'web', env: 'prod' },
    { 'kuma.io/service': 'metrics' },
  ]);

  it('is the union of every inbound', () => {
    expect(sourceMatchesClient({ 'kuma.io/service': 'metrics', env: 'prod' }, client)).toBe(true);
    expect(sourceMatchesClient({ 'kuma.io/service': 'web', env: 'dev' }, client)).toBe(false);
  });

  it('treats * in sources as no condition, even for an absent tag', () => {
    expect(sourceMatchesClient({ 'kuma.io/service': 'web', region: '*' }, client)).toBe(true);
  });

  it('requires the tag for * in a targetRef subset', () => {
    expect(subsetMatchesClient({ region: '*' }, client)).toBe(false);
    expect(subsetMatchesClient({ env: '*' }, client)).toBe(true);
  });
});
