/**
 * Heartbeats travel on core NATS subjects, not in the buckets: liveness is not state, must not
 * grow the streams' revisions, and a heartbeat lost while the link is down is worthless anyway.
 * Each side publishes its own every interval (and at once after a (re)connect) and listens to
 * the other side's. A side may also ask for a prompt heartbeat when what it reports changed
 * ({@link Heartbeats.soon}), so the other side does not show stale figures for a whole interval.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { abortableSleep } from './backoff.js';
import type { NatsLink } from './nats-connection.js';
import type { SyncMetrics } from './sync-metrics.js';

export interface HeartbeatOptions {
  readonly link: NatsLink;
  /** Subject this side publishes on. */
  readonly subject: string;
  /** The heartbeat to send now (already encoded). */
  readonly payload: () => string;
  readonly intervalMs: number;
  /**
   * How long {@link Heartbeats.soon} waits before it sends, default 200 ms: changes within that
   * window travel in one heartbeat, so a burst of changes costs at most one heartbeat per window.
   */
  readonly promptDelayMs?: number;
  /** Subject (may hold wildcards) of the other side's heartbeats, and what to do with one. */
  readonly listen: {
    readonly subject: string;
    readonly onMessage: (subject: string, data: Uint8Array) => void;
    /** The zone a heartbeat came from, for the metrics' `zone` label. */
    readonly zoneOf?: (subject: string) => string | undefined;
  };
  readonly log: Logger;
  readonly metrics: SyncMetrics;
  readonly signal: AbortSignal;
}

/** Running heartbeats. */
export interface Heartbeats {
  /**
   * What this side reports changed: send a heartbeat within `promptDelayMs` (debounced: calls
   * while one is pending add nothing). Without a connection it does nothing; the heartbeat sent
   * on reconnecting carries the news.
   */
  soon(): void;
  /** Settles after the signal aborted; never rejects. */
  readonly done: Promise<void>;
}

/** Publishes and listens until the signal aborts. */
export function runHeartbeats(options: HeartbeatOptions): Heartbeats {
  const { link, log, metrics, signal } = options;
  const promptDelayMs = options.promptDelayMs ?? 200;
  let current: NatsConnection | undefined;
  let prompt: NodeJS.Timeout | undefined;

  const publish = (nc: NatsConnection): void => {
    try {
      const payload = options.payload();
      nc.publish(options.subject, payload);
      metrics.message('sent', 'heartbeat', Buffer.byteLength(payload));
    } catch (err) {
      metrics.error('publish');
      log.debug({ err: (err as Error).message }, 'heartbeat not sent');
    }
  };

  const loop = async (): Promise<void> => {
    let lastEpoch = -1;
    while (!signal.aborted) {
      let nc: NatsConnection;
      try {
        nc = await link.connected();
      } catch {
        break;
      }
      if (current !== nc) {
        current = nc;
        nc.subscribe(options.listen.subject, {
          callback: (err, msg) => {
            if (err !== null) {
              log.warn({ err: err.message }, 'heartbeat subscription failed');
              return;
            }
            metrics.message('received', 'heartbeat', msg.data.length, options.listen.zoneOf?.(msg.subject));
            options.listen.onMessage(msg.subject, msg.data);
          },
        });
      }
      lastEpoch = link.epoch();
      publish(nc);
      // Wake early on a reconnect: the other side learns at once that this one is back.
      const started = Date.now();
      while (!signal.aborted && Date.now() - started < options.intervalMs && link.epoch() === lastEpoch) {
        await abortableSleep(Math.min(250, options.intervalMs), signal);
      }
    }
    if (prompt !== undefined) clearTimeout(prompt);
  };

  return {
    soon() {
      if (prompt !== undefined || signal.aborted) return;
      prompt = setTimeout(() => {
        prompt = undefined;
        if (current !== undefined && link.isConnected() && !signal.aborted) publish(current);
      }, promptDelayMs);
    },
    done: loop(),
  };
}
