/**
 * How global's token trust reaches the zones (docs/security.md): global's public signing keys and
 * its revoked token ids. A zone asks with one NATS request on `zm.auth.state.<zone>` when it
 * connects, every `pollMs`, and whenever global announces a change on `zm.auth.changed`; global
 * answers from a queue group (`zm-auth`) on `zm.auth.state.*`. Like the CA exchange (ADR 0004),
 * the zone's NATS account pins its subject, replies travel back through the account's service
 * import, and the payloads are schema-checked; nothing in them is secret (public keys and random
 * ids). A revocation made on global reaches every connected zone within a second (the
 * announcement), and a zone that was away within `pollMs` of reconnecting.
 */
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@zonemesh/runtime';
import * as z from 'zod';
import { decodeJson, onEveryConnection, serveRequests } from '../nats-exchange.js';
import type { GlobalTrust, TrustState } from './global-trust.js';
import { TrustStateSchema } from './global-trust.js';

/** The subject a zone asks global's trust state on. */
export function authStateSubject(zone: string): string {
  return `zm.auth.state.${zone}`;
}

/** What global answers on (every zone's subject). */
export const authStateWildcard = 'zm.auth.state.*';

/** Global announces here that its keys or revocations changed (no payload worth reading). */
export const authChangedSubject = 'zm.auth.changed';

const RequestSchema = z.object({ v: z.literal('1') });

const ReplySchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), state: TrustStateSchema }),
  z.object({ ok: z.literal(false), message: z.string() }),
]);

/** How long the announcement waits for more changes before going out. */
const announceDelayMs = 100;

/** Global's side: answers every zone's request until `signal` aborts; `announce` tells zones to ask. */
export function serveAuthState(options: {
  readonly connection: () => Promise<NatsConnection>;
  readonly state: () => Promise<TrustState>;
  readonly log: Logger;
  readonly signal: AbortSignal;
}): { readonly done: Promise<void>; announce(): void } {
  const { log, signal } = options;
  let current: NatsConnection | undefined;
  let timer: NodeJS.Timeout | undefined;

  const answer = async (msg: Msg): Promise<void> => {
    let reply: z.input<typeof ReplySchema>;
    if (!RequestSchema.safeParse(decodeJson(msg.data)).success) {
      reply = { ok: false, message: 'malformed auth state request' };
    } else {
      try {
        reply = { ok: true, state: await options.state() };
      } catch (err) {
        log.error({ err }, 'cannot read the token trust state for a zone');
        reply = { ok: false, message: 'global cannot read its token trust state' };
      }
    }
    msg.respond(JSON.stringify(reply));
  };

  const done = serveRequests({
    connection: options.connection,
    signal,
    subject: authStateWildcard,
    queue: 'zm-auth',
    log,
    label: 'auth state',
    answer,
    onConnection: (nc) => {
      current = nc;
    },
  });

  return {
    done: done.finally(() => clearTimeout(timer)),
    announce() {
      if (timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        try {
          current?.publish(authChangedSubject, JSON.stringify({ v: '1' }));
        } catch (err) {
          log.debug({ err: (err as Error).message }, 'cannot announce a token trust change');
        }
      }, announceDelayMs);
    },
  };
}

/**
 * A zone's side: keeps `trust` equal to global's state. Never rejects; failures are logged (the
 * first of a series as a warning) and retried at the next poll.
 */
export async function followGlobalAuth(options: {
  readonly connection: () => Promise<NatsConnection>;
  readonly zone: string;
  readonly trust: GlobalTrust;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Default 30 000 ms. */
  readonly pollMs?: number;
}): Promise<void> {
  const { zone, trust, log } = options;
  const pollMs = options.pollMs ?? 30_000;
  let failing = false;

  const fetchState = async (nc: NatsConnection): Promise<void> => {
    try {
      const msg = await nc.request(authStateSubject(zone), JSON.stringify({ v: '1' }), { timeout: 5_000 });
      const reply = ReplySchema.safeParse(decodeJson(msg.data));
      if (!reply.success) throw new Error('global answered with a malformed auth state');
      if (!reply.data.ok) throw new Error(reply.data.message);
      const changed = await trust.update(reply.data.state);
      if (changed) {
        log.info(
          { keys: reply.data.state.keys.length, revoked: reply.data.state.revoked.length },
          "global's token keys and revocations updated",
        );
      }
      failing = false;
    } catch (err) {
      log[failing ? 'debug' : 'warn'](
        { err: (err as Error).message, retryMs: pollMs },
        "cannot get global's token keys and revocations; keeping the last ones",
      );
      failing = true;
    }
  };

  await onEveryConnection(options, (nc) => {
    let pending = Promise.resolve();
    const refresh = (): void => {
      pending = pending.then(() => fetchState(nc));
    };
    const subscription = nc.subscribe(authChangedSubject, { callback: () => refresh() });
    refresh();
    const poll = setInterval(refresh, pollMs);
    return async () => {
      clearInterval(poll);
      subscription.unsubscribe();
      await pending;
    };
  });
}
