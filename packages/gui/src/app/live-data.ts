/**
 * Keeping pages current without a reload: every page's data is re-read every few seconds (a
 * short poll: the API answers whole documents, no server push needed), paused while the tab is
 * hidden. The connection state is shared, so one banner says when the control plane stopped
 * answering and since when the data on screen is old.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api-client.ts';

/** How often pages re-read their data. */
export const pollIntervalMs = 3_000;

/** What the shared connection banner shows. */
export interface ConnectionState {
  /** Time of the last answer from the control plane (ms since epoch), or null before the first. */
  readonly lastAnswerAt: number | null;
  /** Set while the last request got no answer at all. */
  readonly unreachableSince: number | null;
}

let state: ConnectionState = { lastAnswerAt: null, unreachableSince: null };
const listeners = new Set<(state: ConnectionState) => void>();

function publish(next: ConnectionState): void {
  state = next;
  for (const listener of listeners) listener(state);
}

/** Records the outcome of one request (any error that is not "unreachable" still means it answered). */
export function reportOutcome(error: unknown): void {
  const now = Date.now();
  if (error instanceof ApiError && error.kind === 'unreachable') {
    publish({ ...state, unreachableSince: state.unreachableSince ?? now });
  } else {
    publish({ lastAnswerAt: now, unreachableSince: null });
  }
}

/** The shared connection state, re-rendering on change. */
export function useConnection(): ConnectionState {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    listeners.add(setCurrent);
    setCurrent(state);
    return () => {
      listeners.delete(setCurrent);
    };
  }, []);
  return current;
}

/** What a polled page sees. `data` is kept from the last success while later reads fail. */
export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  /** True until the first read finished (either way). */
  readonly loading: boolean;
}

/**
 * Reads `load()` now and every {@link pollIntervalMs}; starts over when `key` changes. A read
 * never overlaps the previous one; results of a superseded key are dropped.
 */
export function usePolled<T>(key: string, load: () => Promise<T>): Polled<T> {
  const [result, setResult] = useState<Polled<T>>({ data: undefined, error: undefined, loading: true });
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setResult({ data: undefined, error: undefined, loading: true });
    const tick = async (): Promise<void> => {
      if (document.hidden) {
        timer = setTimeout(() => void tick(), pollIntervalMs);
        return;
      }
      try {
        const data = await loader.current();
        reportOutcome(undefined);
        if (!stopped) setResult({ data, error: undefined, loading: false });
      } catch (err) {
        reportOutcome(err);
        const error = err instanceof ApiError ? err : new ApiError('unexpected', String(err));
        if (!stopped) setResult((previous) => ({ data: previous.data, error, loading: false }));
      }
      if (!stopped) timer = setTimeout(() => void tick(), pollIntervalMs);
    };
    void tick();
    const onVisible = (): void => {
      if (!document.hidden && timer !== undefined) {
        clearTimeout(timer);
        void tick();
      }
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [key]);
  return result;
}

/** The current time, updated every `everyMs` (for "4 s ago" labels). */
export function useNow(everyMs = 1_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
