/** Retry pacing for sync's background loops: exponential backoff with jitter, abortable sleeps. */

/**
 * The longest wait before looking again for a sync bucket that does not exist yet (global has not
 * created it): global usually does within moments, and a zone that started first must not then
 * sit out a long backoff before its first sync.
 */
export const missingBucketRetryMs = 500;

/** Exponential backoff from `initialMs` doubling up to `maxMs`, with ±25 % jitter. */
export class Backoff {
  #attempt = 0;
  readonly #initialMs: number;
  readonly #maxMs: number;

  constructor(initialMs: number, maxMs: number) {
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
  }

  /** The delay before the next attempt. */
  next(): number {
    const base = Math.min(this.#maxMs, this.#initialMs * 2 ** Math.min(this.#attempt, 20));
    this.#attempt++;
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  /** After a success: the next failure waits `initialMs` again. */
  reset(): void {
    this.#attempt = 0;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Wakes a background loop when there is new work. A ring while nobody waits is remembered, so
 * work signalled between two waits is never missed.
 */
export class Doorbell {
  #waiter: (() => void) | undefined;
  #rung = false;

  ring(): void {
    if (this.#waiter === undefined) {
      this.#rung = true;
      return;
    }
    this.#waiter();
  }

  /** Resolves on a ring (or one since the last wait), after `ms` when given, or on abort. */
  wait(ms: number | undefined, signal: AbortSignal): Promise<void> {
    if (this.#rung || signal.aborted) {
      this.#rung = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#waiter = undefined;
        this.#rung = false;
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.#waiter = done;
    });
  }
}
