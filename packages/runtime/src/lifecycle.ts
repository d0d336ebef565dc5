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

/** Makes a lifecycle; nothing starts until {@link Lifecycle.start}. */
export function createLifecycle(options: { readonly log: Logger }): Lifecycle {
  const log = options.log.child({ component: 'lifecycle' });
  const controller = new AbortController();
  const components: Component[] = [];
  const running: Promise<void>[] = [];
  let started = false;
  const aborted = new Promise<void>((resolve) => {
    controller.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const done = aborted.then(() => Promise.allSettled(running)).then(() => undefined);

  const stop = async (reason = 'stop requested'): Promise<void> => {
    if (!controller.signal.aborted) {
      log.info({ reason }, 'stopping');
      controller.abort(new Error(reason));
    }
    await done;
  };

  return {
    signal: controller.signal,
    add(component) {
      if (started) throw new Error(`component ${component.name} added after start`);
      components.push(component);
    },
    async start() {
      started = true;
      for (const component of components) {
        if (controller.signal.aborted) break;
        try {
          const handle = await component.start(controller.signal);
          running.push(
            handle.done.catch((err: unknown) => {
              log.error({ err, name: component.name }, 'component failed while stopping');
            }),
          );
        } catch (err) {
          await stop(`component ${component.name} failed to start`);
          throw err;
        }
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
 * Runs a process's lifecycle to the end: starts it, stops it on SIGTERM/SIGINT, and exits with
 * status 0 once every component is done (1 if starting failed, or if stopping takes longer
 * than `stopTimeoutMs`, default 10 s). Never returns.
 */
export async function runUntilStopped(
  lifecycle: Lifecycle,
  log: Logger,
  options: { readonly stopTimeoutMs?: number } = {},
): Promise<never> {
  stopOnTerminationSignals(lifecycle, log);
  try {
    await lifecycle.start();
  } catch (err) {
    log.fatal({ err }, 'failed to start');
    await lifecycle.done;
    process.exit(1);
  }
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
