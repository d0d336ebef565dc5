/**
 * The CA exchange's own NATS connection (sync keeps its connection private). It connects in the
 * background, retries until it succeeds, then reconnects forever (`maxReconnectAttempts: -1`);
 * callers wait for it with {@link CaNatsLink.connected}. Credentials are read as sync reads them.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { MeshError } from '@zonemesh/api';
import { authenticatorFromFile } from '@zonemesh/sync';
import type { Logger } from '@zonemesh/runtime';

/** A connection that comes back by itself. */
export interface CaNatsLink {
  /** The connection once connected; rejects only after the link closed. */
  connected(): Promise<NatsConnection>;
  /** Settles once closed after the signal aborted. */
  readonly done: Promise<void>;
}

/** What the link needs from the control plane's flags. */
export interface CaNatsOptions {
  readonly url: string;
  readonly credsFile?: string | undefined;
  readonly inboxPrefix?: string | undefined;
  readonly name: string;
}

/** Opens the link; a credentials file that cannot be read throws `InvalidInput` at once. */
export function openCaNatsLink(options: CaNatsOptions, log: Logger, signal: AbortSignal): CaNatsLink {
  const servers = options.url
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
  const authenticator =
    options.credsFile === undefined ? undefined : authenticatorFromFile(options.credsFile);
  let current: NatsConnection | undefined;
  let waiters: ((nc: NatsConnection) => void)[] = [];

  const run = async (): Promise<void> => {
    let delay = 250;
    while (!signal.aborted) {
      try {
        const nc = await connect({
          servers,
          name: options.name,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          timeout: 5_000,
          ignoreAuthErrorAbort: true,
          ...(options.inboxPrefix === undefined ? {} : { inboxPrefix: options.inboxPrefix }),
          ...(authenticator === undefined ? {} : { authenticator }),
        });
        if (signal.aborted) {
          await nc.close();
          return;
        }
        current = nc;
        for (const wake of waiters.splice(0)) wake(nc);
        delay = 250;
        await nc.closed();
        current = undefined;
      } catch (err) {
        log.debug({ err: (err as Error).message }, 'ca exchange cannot reach nats yet');
      }
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 5_000);
    }
  };
  const stopped = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const running = run();
  const done = stopped.then(async () => {
    waiters = [];
    await current?.close();
    await running;
  });
  return {
    connected() {
      if (signal.aborted)
        return Promise.reject(new MeshError('Unavailable', 'the ca exchange link is closed'));
      if (current !== undefined && !current.isClosed()) return Promise.resolve(current);
      return new Promise((resolve) => waiters.push(resolve));
    },
    done,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
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
