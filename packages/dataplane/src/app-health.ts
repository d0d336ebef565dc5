/**
 * The sidecar's probe of its own app: a TCP connect to each inbound's `serviceAddress:servicePort`
 * every interval, reported to the zone control plane (`POST /v1/health`) as soon as an inbound's
 * health flips and every 10 s regardless (so a restarted control plane learns it too). Only
 * healthy inbounds count as endpoints in the mesh. Settings per inbound come from its
 * `serviceProbe` in the dataplane file (Kuma's field), else 1 s / 1 s / 2 failures / 1 success.
 */
import net from 'node:net';
import type { Inbound, ProxyInbound } from '@zonemesh/api';
import { parseGoDuration } from '@zonemesh/api';
import type { Logger } from '@zonemesh/runtime';

/** Probe settings of one inbound, in milliseconds. */
export interface AppProbeSettings {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly unhealthyThreshold: number;
  readonly healthyThreshold: number;
}

/** Defaults: a dead app leaves the endpoints within about two seconds. */
export const defaultAppProbe: AppProbeSettings = {
  intervalMs: 1_000,
  timeoutMs: 1_000,
  unhealthyThreshold: 2,
  healthyThreshold: 1,
};

/** Reports every inbound's health (`POST /v1/health`); rejects when the control plane cannot take it. */
export type HealthReporter = (inbounds: readonly { port: number; healthy: boolean }[]) => Promise<void>;

/** See the module comment. */
export interface AppHealth {
  /** The inbounds to probe (from the latest config); probing of removed ones stops. */
  setInbounds(inbounds: readonly ProxyInbound[]): void;
  /** Report at the next chance even if nothing changed (e.g. after re-registering). */
  reportSoon(): void;
  /** The last verdict for the inbound on `port`; undefined before its first probe. */
  isHealthy(port: number): boolean | undefined;
}

/** Reads an inbound's `serviceProbe` from the dataplane file into settings. */
export function probeSettingsOf(inbound: Inbound | undefined): AppProbeSettings {
  const probe = inbound?.serviceProbe;
  const ms = (text: string | undefined, fallback: number) => {
    const nanos = text === undefined ? undefined : parseGoDuration(text);
    return nanos === undefined || nanos <= 0 ? fallback : Math.max(1, Math.round(nanos / 1e6));
  };
  return {
    intervalMs: ms(probe?.interval, defaultAppProbe.intervalMs),
    timeoutMs: ms(probe?.timeout, defaultAppProbe.timeoutMs),
    unhealthyThreshold: probe?.unhealthyThreshold || defaultAppProbe.unhealthyThreshold,
    healthyThreshold: probe?.healthyThreshold || defaultAppProbe.healthyThreshold,
  };
}

interface Probed {
  inbound: ProxyInbound;
  healthy: boolean | undefined;
  successes: number;
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

/** Options of {@link createAppHealth}. */
export interface AppHealthOptions {
  readonly report: HealthReporter;
  /** Probe settings for the inbound on `port`. */
  readonly settingsFor: (port: number) => AppProbeSettings;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Default 10 000 ms. */
  readonly reportIntervalMs?: number;
}

/** Starts nothing until {@link AppHealth.setInbounds}. */
export function createAppHealth(options: AppHealthOptions): AppHealth {
  const { log, signal } = options;
  const probed = new Map<number, Probed>();
  let reporting = false;
  let again = false;

  const report = async (): Promise<void> => {
    if (reporting) {
      again = true;
      return;
    }
    const inbounds = [...probed.values()]
      .filter((p) => p.healthy !== undefined)
      .map((p) => ({ port: p.inbound.port, healthy: p.healthy === true }));
    if (inbounds.length === 0 || signal.aborted) return;
    reporting = true;
    try {
      await options.report(inbounds);
    } catch (err) {
      log.debug({ err: (err as Error).message }, 'cannot report inbound health; will retry');
      again = true;
    } finally {
      reporting = false;
    }
    if (again && !signal.aborted) {
      again = false;
      setTimeout(() => void report(), 1_000).unref();
    }
  };

  const probeOnce = (p: Probed) => {
    const settings = options.settingsFor(p.inbound.port);
    const socket = net.connect({ host: p.inbound.serviceAddress, port: p.inbound.servicePort });
    let settled = false;
    const settle = (ok: boolean, reason?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      socket.destroy();
      if (!probed.has(p.inbound.port) || probed.get(p.inbound.port) !== p) return;
      if (ok) {
        p.failures = 0;
        p.successes++;
      } else {
        p.successes = 0;
        p.failures++;
      }
      const before = p.healthy;
      if (ok && p.healthy !== true && (p.healthy === undefined || p.successes >= settings.healthyThreshold))
        p.healthy = true;
      if (
        !ok &&
        p.healthy !== false &&
        (p.healthy === undefined || p.failures >= settings.unhealthyThreshold)
      )
        p.healthy = false;
      if (p.healthy !== before) {
        log.info(
          {
            port: p.inbound.port,
            app: `${p.inbound.serviceAddress}:${p.inbound.servicePort}`,
            healthy: p.healthy,
            reason,
          },
          'app health changed',
        );
        void report();
      }
      if (!signal.aborted) p.timer = setTimeout(() => probeOnce(p), settings.intervalMs);
    };
    const timeout = setTimeout(
      () => settle(false, `no connection within ${settings.timeoutMs} ms`),
      settings.timeoutMs,
    );
    socket.once('connect', () => settle(true));
    socket.once('error', (err: NodeJS.ErrnoException) => settle(false, err.code ?? err.message));
  };

  const periodic = setInterval(() => void report(), options.reportIntervalMs ?? 10_000);
  periodic.unref();
  signal.addEventListener(
    'abort',
    () => {
      clearInterval(periodic);
      for (const p of probed.values()) clearTimeout(p.timer);
    },
    { once: true },
  );

  return {
    setInbounds(inbounds) {
      const wanted = new Map(inbounds.map((inbound) => [inbound.port, inbound]));
      for (const [port, p] of probed) {
        if (wanted.has(port)) continue;
        clearTimeout(p.timer);
        probed.delete(port);
      }
      for (const [port, inbound] of wanted) {
        const known = probed.get(port);
        if (known !== undefined) {
          known.inbound = inbound;
          continue;
        }
        const p: Probed = { inbound, healthy: undefined, successes: 0, failures: 0, timer: undefined };
        probed.set(port, p);
        if (!signal.aborted) probeOnce(p);
      }
    },
    reportSoon() {
      void report();
    },
    isHealthy(port) {
      return probed.get(port)?.healthy;
    },
  };
}
