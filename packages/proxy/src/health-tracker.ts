/**
 * Endpoint health: active checks on an interval, and passive ejection of endpoints whose
 * connects fail. Proxies ask {@link HealthTracker.select} for the usable endpoints before
 * balancing.
 */
import { type Endpoint, endpointKey } from './endpoint.js';
import type { ActiveHealthCheck, PassiveHealthCheck } from './health-check-config.js';
import { probe } from './health-probe.js';

/** A change of an endpoint's health, for logs, metrics and inbound health reports. */
export interface HealthChange {
  readonly endpoint: Endpoint;
  readonly healthy: boolean;
  /** `active` (a check crossed its threshold) or `ejected` / `returned` (passive). */
  readonly cause: 'active' | 'ejected' | 'returned';
  /** The failing probe's reason, when there is one. */
  readonly reason?: string;
}

/** Health of a set of endpoints. */
export interface HealthTracker {
  /**
   * Sets the endpoints to check actively: new ones start healthy and are probed at once (after
   * the initial jitter); removed ones stop being probed and forget their state. Idempotent.
   */
  setEndpoints(endpoints: readonly Endpoint[]): void;
  /** Whether an endpoint is healthy now (actively healthy and not ejected). Unknown ones are. */
  isHealthy(endpoint: Endpoint): boolean;
  /**
   * The healthy endpoints among `endpoints`. When none is, the ones that are only ejected
   * (passive) are returned instead: better to retry a recently failing endpoint than refuse
   * every connection. Actively unhealthy endpoints are never returned.
   */
  select(endpoints: readonly Endpoint[]): readonly Endpoint[];
  /** A connect to the endpoint failed (passive check). */
  reportFailure(endpoint: Endpoint, reason?: string): void;
  /** A connect to the endpoint succeeded: resets its passive failure count. */
  reportSuccess(endpoint: Endpoint): void;
  /** Stops every probe. Also done when the tracker's signal aborts. */
  close(): void;
}

/** Options of {@link createHealthTracker}. */
export interface HealthTrackerOptions {
  /** Active checking; without it, endpoints are healthy unless ejected. */
  readonly active?: ActiveHealthCheck;
  /** Passive checking; `false` turns it off. Default: eject after 1 failure for 10 s. */
  readonly passive?: PassiveHealthCheck | false;
  readonly signal?: AbortSignal;
  readonly onChange?: (change: HealthChange) => void;
  /** Clock for ejections; default `Date.now`. */
  readonly now?: () => number;
}

interface State {
  endpoint: Endpoint;
  activeHealthy: boolean;
  successes: number;
  failures: number;
  passiveFailures: number;
  ejections: number;
  ejectedUntil: number;
  timer: NodeJS.Timeout | undefined;
  probing: AbortController | undefined;
  tracked: boolean;
}

/** Creates a tracker. Starts no timer until {@link HealthTracker.setEndpoints} is called. */
export function createHealthTracker(options: HealthTrackerOptions = {}): HealthTracker {
  const now = options.now ?? Date.now;
  const passive = options.passive === false ? undefined : (options.passive ?? {});
  const consecutiveFailures = passive?.consecutiveFailures ?? 1;
  const baseEjectionMs = passive?.baseEjectionMs ?? 10_000;
  const maxEjectionMs = passive?.maxEjectionMs ?? 300_000;
  const states = new Map<string, State>();
  let closed = false;

  const stateOf = (endpoint: Endpoint): State => {
    const key = endpointKey(endpoint);
    let state = states.get(key);
    if (state === undefined) {
      state = {
        endpoint,
        activeHealthy: true,
        successes: 0,
        failures: 0,
        passiveFailures: 0,
        ejections: 0,
        ejectedUntil: 0,
        timer: undefined,
        probing: undefined,
        tracked: false,
      };
      states.set(key, state);
    }
    return state;
  };

  const emit = (change: HealthChange) => options.onChange?.(change);

  const schedule = (state: State, delayMs: number) => {
    if (closed || options.active === undefined) return;
    state.timer = setTimeout(() => void runProbe(state), delayMs);
  };

  const runProbe = async (state: State) => {
    const check = options.active;
    if (check === undefined || closed || !state.tracked) return;
    state.probing = new AbortController();
    const result = await probe(state.endpoint, check, state.probing.signal);
    state.probing = undefined;
    if (closed || !state.tracked) return;
    if (result.ok) {
      state.failures = 0;
      state.successes++;
      if (!state.activeHealthy && state.successes >= check.healthyThreshold) {
        state.activeHealthy = true;
        emit({ endpoint: state.endpoint, healthy: true, cause: 'active' });
      }
    } else {
      state.successes = 0;
      state.failures++;
      if (state.activeHealthy && state.failures >= check.unhealthyThreshold) {
        state.activeHealthy = false;
        emit({ endpoint: state.endpoint, healthy: false, cause: 'active', reason: result.reason });
      }
    }
    schedule(state, check.intervalMs + jitter(check.intervalJitterMs));
  };

  const stop = (state: State) => {
    clearTimeout(state.timer);
    state.probing?.abort();
    state.tracked = false;
  };

  const tracker: HealthTracker = {
    setEndpoints(endpoints) {
      const wanted = new Map(endpoints.map((e) => [endpointKey(e), e]));
      for (const [key, state] of states) {
        if (!wanted.has(key)) {
          stop(state);
          states.delete(key);
        }
      }
      for (const endpoint of wanted.values()) {
        const state = stateOf(endpoint);
        state.endpoint = endpoint;
        if (!state.tracked && !closed) {
          state.tracked = true;
          schedule(state, jitter(options.active?.initialJitterMs));
        }
      }
    },
    isHealthy(endpoint) {
      const state = states.get(endpointKey(endpoint));
      return state === undefined || (state.activeHealthy && !isEjected(state));
    },
    select(endpoints) {
      const healthy = endpoints.filter((e) => tracker.isHealthy(e));
      if (healthy.length > 0 || endpoints.length === 0) return healthy;
      return endpoints.filter((e) => states.get(endpointKey(e))?.activeHealthy ?? true);
    },
    reportFailure(endpoint, reason) {
      if (passive === undefined) return;
      const state = stateOf(endpoint);
      if (isEjected(state)) return;
      state.passiveFailures++;
      if (state.passiveFailures < consecutiveFailures) return;
      state.passiveFailures = 0;
      state.ejections++;
      state.ejectedUntil = now() + Math.min(baseEjectionMs * state.ejections, maxEjectionMs);
      emit({ endpoint, healthy: false, cause: 'ejected', ...(reason === undefined ? {} : { reason }) });
    },
    reportSuccess(endpoint) {
      const state = states.get(endpointKey(endpoint));
      if (state === undefined) return;
      state.passiveFailures = 0;
      const wasEjected = state.ejections > 0;
      state.ejections = 0;
      state.ejectedUntil = 0;
      if (wasEjected) emit({ endpoint, healthy: state.activeHealthy, cause: 'returned' });
      if (!state.tracked && state.activeHealthy) states.delete(endpointKey(endpoint));
    },
    close() {
      closed = true;
      for (const state of states.values()) stop(state);
    },
  };

  const isEjected = (state: State) => state.ejectedUntil > now();
  options.signal?.addEventListener('abort', () => tracker.close(), { once: true });
  return tracker;
}

function jitter(maxMs: number | undefined): number {
  return maxMs === undefined || maxMs <= 0 ? 0 : Math.floor(Math.random() * maxMs);
}
