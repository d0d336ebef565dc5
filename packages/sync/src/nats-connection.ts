/**
 * The NATS connection of one sync side. It connects in the background (starting sync never
 * waits for NATS), retries the first connection until it succeeds, and then lets the client
 * reconnect forever (`maxReconnectAttempts: -1`: the default gives up after ~20 s). Callers ask
 * for the connection when they need it and are told when it came back, so they can resync.
 */
import { readFileSync } from 'node:fs';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import {
  type Authenticator,
  connect,
  credsAuthenticator,
  type NatsConnection,
  nkeyAuthenticator,
  usernamePasswordAuthenticator,
} from '@nats-io/transport-node';
import { MeshError } from '@zonemesh/api';
import type { Logger } from 'pino';
import { abortableSleep, Backoff } from './backoff.js';
import type { NatsConnectionOptions } from './sync-contract.js';
import type { SyncMetrics } from './sync-metrics.js';

/** A connection that comes and goes; see the module comment. */
export interface NatsLink {
  /**
   * The connection once it is connected; waits while it is connecting or reconnecting. Rejects
   * only when the link is closed.
   */
  connected(): Promise<NatsConnection>;
  isConnected(): boolean;
  /**
   * Increases on every (re)connect: a writer that knew the bucket contents at one epoch must
   * re-read them in a later one (writes may have been lost or made by others meanwhile).
   */
  epoch(): number;
  /** A JetStream client for `nc` with this link's API prefix or domain. */
  jetstream(nc: NatsConnection): JetStreamClient;
  /** Closes the connection for good (drains nothing: sync state is in JetStream). Idempotent. */
  close(): Promise<void>;
}

/**
 * Reads `credsFile` and picks the authenticator its content calls for. Throws `InvalidInput`
 * naming the field for a file that cannot be read or recognised.
 */
export function authenticatorFromFile(path: string): Authenticator {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new MeshError('InvalidInput', `cannot read the NATS credentials file ${path}`, {
      causes: [{ field: 'nats.credsFile', message: (err as Error).message }],
      cause: err,
    });
  }
  if (text.includes('-----BEGIN NATS USER JWT-----'))
    return credsAuthenticator(new TextEncoder().encode(text));
  const trimmed = text.trim();
  if (/^SU[A-Z2-7]{50,}$/.test(trimmed)) return nkeyAuthenticator(new TextEncoder().encode(trimmed));
  const colon = trimmed.indexOf(':');
  if (colon > 0 && !trimmed.includes('\n')) {
    return usernamePasswordAuthenticator(trimmed.slice(0, colon), trimmed.slice(colon + 1));
  }
  throw new MeshError('InvalidInput', `unrecognised NATS credentials file ${path}`, {
    causes: [
      {
        field: 'nats.credsFile',
        message: 'expected a .creds file (user JWT and nkey seed), an nkey seed, or one line user:password',
      },
    ],
  });
}

/**
 * Opens a link and starts connecting in the background. Configuration errors (credentials file)
 * throw at once; connection problems never do, they are logged and retried.
 */
export function openNatsLink(options: {
  readonly nats: NatsConnectionOptions;
  readonly name: string;
  readonly log: Logger;
  readonly metrics: SyncMetrics;
  readonly signal: AbortSignal;
}): NatsLink {
  const { nats, log, metrics } = options;
  const servers = nats.url
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
  if (servers.length === 0) {
    throw new MeshError('InvalidInput', 'no NATS server URL', {
      causes: [{ field: 'nats.url', message: 'must name at least one server' }],
    });
  }
  const authenticator = nats.credsFile === undefined ? undefined : authenticatorFromFile(nats.credsFile);
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) stop.abort();

  let current: NatsConnection | undefined;
  let up = false;
  let epoch = 0;
  let waiters: { resolve: (nc: NatsConnection) => void; reject: (err: Error) => void }[] = [];
  const wake = (): void => {
    if (current === undefined || !up) return;
    const nc = current;
    for (const waiter of waiters.splice(0)) waiter.resolve(nc);
  };
  const setUp = (value: boolean): void => {
    up = value;
    metrics.connected(value);
    if (value) {
      epoch++;
      wake();
    }
  };

  const run = async (): Promise<void> => {
    const backoff = new Backoff(250, 5_000);
    while (!stop.signal.aborted) {
      let nc: NatsConnection;
      try {
        nc = await connect({
          servers,
          name: options.name,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          reconnectJitter: 250,
          pingInterval: 10_000,
          maxPingOut: 2,
          timeout: 5_000,
          ignoreAuthErrorAbort: true,
          // The client otherwise builds two Error objects (stack traces) per request, before it
          // knows whether one is needed: with a put per request that was a fifth of a zone's CPU.
          noAsyncTraces: true,
          ...(nats.inboxPrefix === undefined ? {} : { inboxPrefix: nats.inboxPrefix }),
          ...(authenticator === undefined ? {} : { authenticator }),
        });
      } catch (err) {
        metrics.error('connect');
        log.warn({ err: (err as Error).message, servers }, 'cannot connect to nats, retrying');
        await abortableSleep(backoff.next(), stop.signal);
        continue;
      }
      backoff.reset();
      if (stop.signal.aborted) {
        await nc.close();
        break;
      }
      current = nc;
      log.info({ server: nc.getServer() }, 'connected to nats');
      setUp(true);
      const watchStatus = async (): Promise<void> => {
        for await (const status of nc.status()) {
          if (status.type === 'disconnect') {
            setUp(false);
            log.warn({ server: status.server }, 'disconnected from nats, reconnecting');
          } else if (status.type === 'reconnect') {
            log.info({ server: status.server }, 'reconnected to nats');
            setUp(true);
          } else if (status.type === 'error') {
            log.warn({ err: String(status.error) }, 'nats reported an error');
          }
        }
      };
      watchStatus().catch((err: unknown) => log.debug({ err: String(err) }, 'nats status watch ended'));
      const closedWith = await nc.closed();
      current = undefined;
      setUp(false);
      if (!stop.signal.aborted) {
        metrics.error('connect');
        log.warn({ err: closedWith?.message }, 'nats connection closed, connecting again');
        await abortableSleep(backoff.next(), stop.signal);
      }
    }
  };

  const running = run();
  stop.signal.addEventListener(
    'abort',
    () => {
      for (const waiter of waiters.splice(0)) waiter.reject(new Error('nats link closed'));
      void current?.close();
    },
    { once: true },
  );

  return {
    connected() {
      if (stop.signal.aborted) return Promise.reject(new Error('nats link closed'));
      if (current !== undefined && up) return Promise.resolve(current);
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    isConnected: () => up,
    epoch: () => epoch,
    jetstream(nc) {
      if (nats.jsApiPrefix !== undefined)
        return jetstream(nc, { apiPrefix: nats.jsApiPrefix, timeout: 5_000 });
      if (nats.jsDomain !== undefined) return jetstream(nc, { domain: nats.jsDomain, timeout: 5_000 });
      return jetstream(nc, { timeout: 5_000 });
    },
    async close() {
      options.signal.removeEventListener('abort', onAbort);
      stop.abort();
      await running;
      waiters = [];
    },
  };
}

/**
 * A hint for a failed JetStream call that may be a refusal by the account's grants. NATS does not
 * say "permission denied" for a missing import, and over a leaf node nothing is logged on the hub:
 * the client only sees "jetstream is not enabled", "no responders" or a timeout.
 */
export function refusalHint(err: unknown): string | undefined {
  const text = err instanceof Error ? err.message : String(err);
  if (!/jetstream is not enabled|no responders|timeout|permission/i.test(text)) return undefined;
  return (
    'NATS may be refusing this request: check that the sync buckets exist, that the account grants ' +
    'what sync needs (deploy/nats/README.md), and the jsApiPrefix, jsDomain and inboxPrefix settings'
  );
}
