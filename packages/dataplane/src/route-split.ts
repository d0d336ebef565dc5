/**
 * TrafficRoute splits on an outbound: each new connection goes to one split entry, chosen by
 * weight among the entries that have a usable endpoint, and then to the endpoints whose tags
 * carry every tag of that entry (`kuma.io/zone` included). Pure apart from the rotation state.
 */
import type { ProxyRoute } from '@zonemesh/api';
import type { Endpoint } from '@zonemesh/proxy';

/** Picks the endpoints a new connection may use. */
export interface SplitPicker {
  /**
   * Without a route: `usable` as is. With one: the usable endpoints of one entry, entries being
   * chosen by smooth weighted round robin; entries with weight 0 or no usable endpoint are skipped
   * (the traffic they would get goes to the others instead of failing). Empty when no entry has one.
   */
  candidates(route: ProxyRoute | undefined, usable: readonly Endpoint[]): readonly Endpoint[];
}

/** Makes a picker; keep one per outbound so the rotation spreads connections. */
export function createSplitPicker(): SplitPicker {
  const scores = new Map<string, number>();
  return {
    candidates(route, usable) {
      if (route === undefined) return usable;
      let total = 0;
      let best: { key: string; score: number; endpoints: readonly Endpoint[] } | undefined;
      for (const [i, entry] of route.split.entries()) {
        if (entry.weight <= 0) continue;
        const endpoints = usable.filter((endpoint) => carries(endpoint, entry.tags));
        if (endpoints.length === 0) continue;
        const key = `${i}:${JSON.stringify(entry.tags)}`;
        const score = (scores.get(key) ?? 0) + entry.weight;
        scores.set(key, score);
        total += entry.weight;
        if (best === undefined || score > best.score) best = { key, score, endpoints };
      }
      if (best === undefined) return [];
      scores.set(best.key, best.score - total);
      return best.endpoints;
    },
  };
}

function carries(endpoint: Endpoint, tags: Readonly<Record<string, string>>): boolean {
  for (const [tag, value] of Object.entries(tags)) {
    if (value !== '*' && endpoint.tags?.[tag] !== value) return false;
  }
  return true;
}
