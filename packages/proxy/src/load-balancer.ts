/**
 * Load balancers: which of the usable endpoints gets the next connection. The caller filters by
 * health first ({@link HealthTracker.select}); balancers only spread load.
 */
import { type Endpoint, endpointKey } from './endpoint.js';

/** Picks one endpoint for a new connection; undefined when there is none to pick. */
export interface LoadBalancer {
  pick(endpoints: readonly Endpoint[]): Endpoint | undefined;
}

/** Plain round robin: each endpoint in turn, weights ignored. */
export function createRoundRobin(): LoadBalancer {
  let next = 0;
  return {
    pick(endpoints) {
      if (endpoints.length === 0) return undefined;
      next = (next + 1) % 0x7fffffff;
      return endpoints[next % endpoints.length];
    },
  };
}

/**
 * Smooth weighted round robin (nginx's): over any window of total-weight picks each endpoint is
 * chosen exactly `weight` times, interleaved rather than in bursts. Endpoints with weight <= 0
 * are never picked. State is kept per endpoint key, so a changed endpoint list keeps the spread.
 */
export function createWeighted(): LoadBalancer {
  const current = new Map<string, number>();
  return {
    pick(endpoints) {
      let total = 0;
      let best: Endpoint | undefined;
      let bestKey = '';
      let bestScore = Number.NEGATIVE_INFINITY;
      for (const endpoint of endpoints) {
        const weight = endpoint.weight ?? 1;
        if (!(weight > 0)) continue;
        const key = endpointKey(endpoint);
        const score = (current.get(key) ?? 0) + weight;
        current.set(key, score);
        total += weight;
        if (score > bestScore) {
          bestScore = score;
          best = endpoint;
          bestKey = key;
        }
      }
      if (best === undefined) return undefined;
      current.set(bestKey, bestScore - total);
      if (current.size > 4 * endpoints.length + 16) prune(current, endpoints);
      return best;
    },
  };
}

/** Options of {@link createLocalityAware}. */
export interface LocalityOptions {
  /** The zone this proxy runs in. */
  readonly localZone: string;
  /** Balancer within the chosen locality; default weighted. */
  readonly inner?: LoadBalancer;
}

/**
 * Locality-aware balancing: endpoints in `localZone` (or with no zone, which are local by
 * construction) whenever any is offered, otherwise the remote ones. Two inner balancers keep
 * the local and remote rotations apart.
 */
export function createLocalityAware(options: LocalityOptions): LoadBalancer {
  const local = options.inner ?? createWeighted();
  const remote = createWeighted();
  return {
    pick(endpoints) {
      const isNear = (e: Endpoint) => e.zone === undefined || e.zone === options.localZone;
      const near = endpoints.filter(isNear);
      const picked = near.length > 0 ? local.pick(near) : undefined;
      return picked ?? remote.pick(near.length > 0 ? endpoints.filter((e) => !isNear(e)) : endpoints);
    },
  };
}

function prune(state: Map<string, number>, endpoints: readonly Endpoint[]): void {
  const live = new Set(endpoints.map(endpointKey));
  for (const key of state.keys()) if (!live.has(key)) state.delete(key);
}
