/**
 * Heartbeats travel on core NATS subjects, not in the buckets: liveness is not state, must not
 * grow the streams' revisions, and a heartbeat lost while the link is down is worthless anyway.
 * Each side publishes its own every interval (and at once after a (re)connect) and listens to
 * the other side's.
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
  /** Subject (may hold wildcards) of the other side's heartbeats, and what to do with one. */
  readonly listen: {
    readonly subject: string;
    readonly onMessage: (subject: string, data: Uint8Array) => void;
  };
  readonly log: Logger;
  readonly metrics: SyncMetrics;
  readonly signal: AbortSignal;
}

/** Publishes and listens until the signal aborts; never rejects. */
export async function runHeartbeats(options: HeartbeatOptions): Promise<void> {
  const { link, log, metrics, signal } = options;
  let subscribedOn: NatsConnection | undefined;
  let lastEpoch = -1;
  while (!signal.aborted) {
    let nc: NatsConnection;
    try {
      nc = await link.connected();
    } catch {
      break;
    }
    if (subscribedOn !== nc) {
      subscribedOn = nc;
      nc.subscribe(options.listen.subject, {
        callback: (err, msg) => {
          if (err !== null) {
            log.warn({ err: err.message }, 'heartbeat subscription failed');
            return;
          }
          metrics.message('received', 'heartbeat', msg.data.length);
          options.listen.onMessage(msg.subject, msg.data);
        },
      });
    }
    lastEpoch = link.epoch();
    try {
      const payload = options.payload();
      nc.publish(options.subject, payload);
      metrics.message('sent', 'heartbeat', Buffer.byteLength(payload));
    } catch (err) {
      metrics.error('publish');
      log.debug({ err: (err as Error).message }, 'heartbeat not sent');
    }
    // Wake early on a reconnect: the other side learns at once that this one is back.
    const started = Date.now();
    while (!signal.aborted && Date.now() - started < options.intervalMs && link.epoch() === lastEpoch) {
      await abortableSleep(Math.min(250, options.intervalMs), signal);
    }
  }
}
