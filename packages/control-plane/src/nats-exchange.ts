/**
 * The NATS request/reply plumbing global and zone control planes share for their exchanges (the
 * CA exchange, ADR 0004, and the token trust exchange, docs/security.md): a session per NATS
 * connection, a responder in a queue group that answers each request on its own, and JSON bodies
 * decoded without throwing so the caller's schema decides what is malformed.
 */
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@zonemesh/runtime';

/** Where the exchange gets its connections and when it stops. */
export interface ExchangeConnection {
  /** Resolves with the current connection (waiting for one); rejects once there will be none. */
  readonly connection: () => Promise<NatsConnection>;
  readonly signal: AbortSignal;
}

/**
 * Runs `session` on each connection `connection()` yields, one at a time, until `signal` aborts
 * or `connection()` rejects; never rejects itself. `session` sets up subscriptions and returns
 * their cleanup, awaited once the connection closes or `signal` aborts, before the next
 * connection is asked for.
 */
export async function onEveryConnection(
  options: ExchangeConnection,
  session: (nc: NatsConnection) => () => void | Promise<void>,
): Promise<void> {
  const { signal } = options;
  while (!signal.aborted) {
    let nc: NatsConnection;
    try {
      nc = await options.connection();
    } catch {
      return;
    }
    const cleanup = session(nc);
    const closed = nc.closed().then(() => undefined);
    const aborted = new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    await Promise.race([closed, aborted]);
    await cleanup();
  }
}

/** What {@link serveRequests} answers. */
export interface ServeRequestsOptions extends ExchangeConnection {
  /** The subjects answered (a wildcard: the requester's zone is the last token). */
  readonly subject: string;
  /** The queue group, so that global replicas share the requests. */
  readonly queue: string;
  readonly log: Logger;
  /** Names the exchange in its logs: `<label> subscription failed`, `<label> reply failed`. */
  readonly label: string;
  /** Answers one request (with `msg.respond`); a rejection is logged, never crashes the responder. */
  readonly answer: (msg: Msg) => Promise<void>;
  /** Told each connection once subscribed on it, and `undefined` once it is left. */
  readonly onConnection?: (nc: NatsConnection | undefined) => void;
}

/**
 * The responder's side: subscribes `answer` to `subject` in `queue` on every connection until
 * `signal` aborts. Never rejects; requests are answered concurrently.
 */
export function serveRequests(options: ServeRequestsOptions): Promise<void> {
  const { log, label, answer } = options;
  return onEveryConnection(options, (nc) => {
    const subscription = nc.subscribe(options.subject, {
      queue: options.queue,
      callback: (err, msg) => {
        if (err !== null) {
          log.warn({ err: err.message }, `${label} subscription failed`);
          return;
        }
        answer(msg).catch((error: unknown) => log.error({ err: error }, `${label} reply failed`));
      },
    });
    options.onConnection?.(nc);
    return () => {
      subscription.unsubscribe();
      options.onConnection?.(undefined);
    };
  });
}

/** A message body as JSON, or `undefined` when it is not JSON (for a schema to refuse). */
export function decodeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data)) as unknown;
  } catch {
    return undefined;
  }
}
