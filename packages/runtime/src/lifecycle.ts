/**
 * Component lifecycle. A process is a list of components started in order under one root
 * `AbortSignal`; SIGTERM/SIGINT abort it, every component releases what it holds, and the process
 * exits once all of them are done.
 */
import type { Logger } from 'pino';

/** What a started component hands back: `done` settles once it has released everything. */
export interface RunningComponent {
  readonly done: Promise<void>;
}

/**
 * A long-lived part of a process (an HTTP server, a sync loop).
 * `start` resolves once the component is serving (or has started working in the background);
 * when `signal` aborts, the component stops and then settles `done`. `start` must not wait for
 * remote peers (NATS, Redis): those are reached in the background.
 */
export interface Component {
  readonly name: string;
  start(signal: AbortSignal): Promise<RunningComponent>;
}

export interface Lifecycle {
  /** The root signal; aborted by {@link Lifecycle.stop} (and by termination signals when handled). */
  readonly signal: AbortSignal;
  /** Adds a component; components start in the order added. Not allowed after `start`. */
  add(component: Component): void;
  /**
   * Starts every component in order. If one fails to start, aborts the root signal, waits for the
   * started ones to stop and rethrows the failure.
   */
  start(): Promise<void>;
  /** Aborts the root signal (idempotent) and resolves once every started component is done. */
  stop(reason?: string): Promise<void>;
  /** Settles once the root signal aborted and every started component is done. */
  readonly done: Promise<void>;
}

/**
 * Makes a lifecycle; nothing starts until {@link Lifecycle.start}. Components stop in reverse
 * start order, each once the ones started after it are done: the API stops answering before
 * sync stops, and sync stops before the store closes.
 */
export function createLifecycle(options: { readonly log: Logger }): Lifecycle {
  const log = options.log.child({ component: 'lifecycle' });
  const root = new AbortController();
  const components: Component[] = [];
  const running: { readonly name: string; readonly stop: AbortController; readonly done: Promise<void> }[] =
    [];
  let started = false;

  const stopAll = async (): Promise<void> => {
    for (const component of [...running].reverse()) {
      component.stop.abort(root.signal.reason);
      await component.done.catch((err: unknown) => {
        log.error({ err, name: component.name }, 'component failed while stopping');
      });
    }
  };
  const aborted = new Promise<void>((resolve) => {
    root.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  // Stopping waits for a start in progress, so a component that finishes starting late is stopped too.
  let startLoop: Promise<void> = Promise.resolve();
  const done = aborted.then(() => startLoop).then(stopAll);

  const stop = async (reason = 'stop requested'): Promise<void> => {
    if (!root.signal.aborted) {
      log.info({ reason }, 'stopping');
      root.abort(new Error(reason));
    }
    await done;
  };

  return {
    signal: root.signal,
    add(component) {
      if (started) throw new Error(`component ${component.name} added after start`);
      components.push(component);
    },
    async start() {
      started = true;
      let failure: { readonly err: unknown } | undefined;
      startLoop = (async () => {
        for (const component of components) {
          if (root.signal.aborted) break;
          const own = new AbortController();
          try {
            const handle = await component.start(own.signal);
            running.push({ name: component.name, stop: own, done: handle.done });
          } catch (err) {
            failure = { err };
            const reason = `component ${component.name} failed to start`;
            log.info({ reason }, 'stopping');
            root.abort(new Error(reason));
            break;
          }
        }
      })();
      await startLoop;
      if (failure !== undefined) {
        await done;
        throw failure.err;
      }
    },
    stop,
    done,
  };
}

/**
 * Stops the lifecycle on SIGTERM or SIGINT. A second signal while stopping exits at once with
 * status 1 (an impatient operator). Returns a function that removes the handlers.
 */
export function stopOnTerminationSignals(lifecycle: Lifecycle, log: Logger): () => void {
  let count = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    count += 1;
    if (count > 1) {
      log.warn({ signal }, 'second termination signal, exiting now');
      process.exit(1);
    }
    void lifecycle.stop(`received ${signal}`);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}

/**
 * Runs a process's lifecycle to the end: starts it, logs one `ready` line (with the fields `readyFields` returns then)
 * once every component started, stops on SIGTERM/SIGINT, and exits with status 0 once every
 * component is done (1 if starting failed, or if stopping takes longer than `stopTimeoutMs`,
 * default 10 s). Never returns.
 */
export async function runUntilStopped(
  lifecycle: Lifecycle,
  log: Logger,
  options: {
    readonly stopTimeoutMs?: number;
    readonly readyFields?: () => Readonly<Record<string, unknown>>;
  } = {},
): Promise<never> {
  stopOnTerminationSignals(lifecycle, log);
  try {
    await lifecycle.start();
  } catch (err) {
    log.fatal({ err }, 'failed to start');
    await lifecycle.done;
    process.exit(1);
  }
  if (!lifecycle.signal.aborted) log.info({ ...options.readyFields?.() }, 'ready');
  if (!lifecycle.signal.aborted) {
    await new Promise((resolve) => lifecycle.signal.addEventListener('abort', resolve, { once: true }));
  }
  const timeout = setTimeout(() => {
    log.error({ timeoutMs: options.stopTimeoutMs ?? 10_000 }, 'components did not stop in time');
    process.exit(1);
  }, options.stopTimeoutMs ?? 10_000);
  timeout.unref();
  await lifecycle.done;
  log.info('stopped');
  process.exit(0);
}
