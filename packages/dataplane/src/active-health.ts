/**
 * Active health checks of an outbound's endpoints, as the pushed `healthCheck` says: a probe per
 * endpoint every `interval`, unhealthy after `unhealthyThreshold` consecutive failures, healthy
 * again after `healthyThreshold` successes. The probe is given by the caller because, with mesh
 * mTLS, it must speak mTLS with the outbound's SNI (a sidecar inbound refuses plain TCP and HTTP,
 * and an ingress routes only by SNI); `@zonemesh/proxy`'s tracker probes in plain text only, so
 * it is used here for passive ejection alone.
 */
import type { ProxyHealthCheck } from '@zonemesh/api';
import { type Endpoint, endpointKey, type ProbeResult } from '@zonemesh/proxy';

/** Probes one endpoint once; settles within the check's timeout and never rejects. */
export type Prober = (
  endpoint: Endpoint,
  check: ProxyHealthCheck,
  signal: AbortSignal,
) => Promise<ProbeResult>;

/** See the module comment. */
export interface ActiveChecks {
  /** Starts probing new endpoints (healthy until proven otherwise), stops removed ones. */
  setEndpoints(endpoints: readonly Endpoint[]): void;
  /** Replaces the check settings (undefined: no active checking, every endpoint healthy). */
  setCheck(check: ProxyHealthCheck | undefined): void;
  /** Unknown endpoints, and all while no check is set, are healthy. */
  isHealthy(endpoint: Endpoint): boolean;
  close(): void;
}

interface State {
  endpoint: Endpoint;
  healthy: boolean;
  successes: number;
  failures: number;
  timer: NodeJS.Timeout | undefined;
  probing: AbortController | undefined;
}

/** Options of {@link createActiveChecks}. */
export interface ActiveChecksOptions {
  readonly probe: Prober;
  /** A threshold was crossed (and once per endpoint when it starts being checked, as healthy). */
  readonly onChange?: (endpoint: Endpoint, healthy: boolean, reason: string | undefined) => void;
  /** An endpoint stopped being checked (removed, or checking turned off). */
  readonly onForget?: (endpoint: Endpoint) => void;
}

/** Makes the checker; it probes nothing until it has both a check and endpoints. */
export function createActiveChecks(options: ActiveChecksOptions): ActiveChecks {
  const states = new Map<string, State>();
  let check: ProxyHealthCheck | undefined;
  let closed = false;

  const run = async (state: State): Promise<void> => {
    const settings = check;
    if (settings === undefined || closed) return;
    // Kept in a local: stop() clears state.probing while the probe is in flight.
    const probing = new AbortController();
    state.probing = probing;
    const result = await options.probe(state.endpoint, settings, probing.signal).catch(
      (err: unknown): ProbeResult => ({
        ok: false,
        reason: err instanceof Error ? err.message : String(err),
      }),
    );
    if (probing.signal.aborted || state.probing !== probing) return;
    state.probing = undefined;
    if (result.ok) {
      state.failures = 0;
      state.successes++;
      if (!state.healthy && state.successes >= settings.healthyThreshold) {
        state.healthy = true;
        options.onChange?.(state.endpoint, true, undefined);
      }
    } else {
      state.successes = 0;
      state.failures++;
      if (state.healthy && state.failures >= settings.unhealthyThreshold) {
        state.healthy = false;
        options.onChange?.(state.endpoint, false, result.reason);
      }
    }
    state.timer = setTimeout(() => void run(state), settings.interval);
  };

  const stop = (state: State) => {
    clearTimeout(state.timer);
    state.probing?.abort();
    state.probing = undefined;
  };

  const start = (state: State) => {
    if (check === undefined || closed) return;
    // Spread first probes over a tenth of the interval so many endpoints are not probed at once.
    state.timer = setTimeout(() => void run(state), Math.floor(Math.random() * (check.interval / 10)));
  };

  const forgetAll = () => {
    for (const state of states.values()) {
      stop(state);
      options.onForget?.(state.endpoint);
    }
    states.clear();
  };

  let endpoints: readonly Endpoint[] = [];
  const sync = () => {
    if (check === undefined) return forgetAll();
    const wanted = new Map(endpoints.map((endpoint) => [endpointKey(endpoint), endpoint]));
    for (const [key, state] of states) {
      if (wanted.has(key)) continue;
      stop(state);
      states.delete(key);
      options.onForget?.(state.endpoint);
    }
    for (const [key, endpoint] of wanted) {
      const known = states.get(key);
      if (known !== undefined) {
        known.endpoint = endpoint;
        continue;
      }
      const state: State = {
        endpoint,
        healthy: true,
        successes: 0,
        failures: 0,
        timer: undefined,
        probing: undefined,
      };
      states.set(key, state);
      options.onChange?.(endpoint, true, undefined);
      start(state);
    }
  };

  return {
    setEndpoints(next) {
      endpoints = next;
      if (!closed) sync();
    },
    setCheck(next) {
      if (closed) return;
      const same = JSON.stringify(next) === JSON.stringify(check);
      if (same) return;
      // New settings: start over, every endpoint healthy again until the new check says otherwise.
      forgetAll();
      check = next;
      sync();
    },
    isHealthy(endpoint) {
      return states.get(endpointKey(endpoint))?.healthy ?? true;
    },
    close() {
      closed = true;
      for (const state of states.values()) stop(state);
      states.clear();
    },
  };
}
