/**
 * Which proxies are online (have an open config stream) and whose inbounds still count as
 * endpoints. A sidecar that goes offline keeps counting for a grace period (a reconnect after a
 * control plane blip or a proxy restart changes nothing), then stops until it is back. A
 * Dataplane this control plane has not seen connect (it just started, or it was written by
 * another path) gets the same grace from when it was first seen, so a restarted control plane
 * does not withdraw every endpoint at once.
 */
import type { DpProxyKind } from '@zonemesh/api';
import type { Discovery, ProxyRef } from '@zonemesh/discovery';

/** See the module comment. */
export interface ProxyPresence {
  /** A stream opened for the proxy. */
  connected(kind: DpProxyKind, ref: ProxyRef): void;
  /** A stream of the proxy closed. */
  disconnected(kind: DpProxyKind, ref: ProxyRef): void;
  /** A Dataplane exists (written or rewritten). */
  seen(ref: ProxyRef): void;
  /** A Dataplane was deleted. */
  forgotten(ref: ProxyRef): void;
  /** Whether a proxy has an open stream. */
  isOnline(kind: DpProxyKind, ref: ProxyRef): boolean;
  /** Proxies with an open stream, by kind and mesh (`""` for ingresses). */
  onlineCounts(): { kind: DpProxyKind; mesh: string; count: number }[];
  /** Cancels every timer; no new one starts afterwards (streams closing at shutdown). */
  close(): void;
}

/** Options of {@link createProxyPresence}. */
export interface ProxyPresenceOptions {
  readonly discovery: Discovery;
  /** How long an offline sidecar's inbounds keep counting (ms). */
  readonly graceMs: number;
  /** Called when an availability changed (the caller flushes discovery). */
  readonly onChange: () => void;
}

/** Makes the tracker. */
export function createProxyPresence(options: ProxyPresenceOptions): ProxyPresence {
  const { discovery, graceMs, onChange } = options;
  /** `kind/mesh/name` -> the proxy and its open streams. */
  const streams = new Map<string, { readonly kind: DpProxyKind; readonly mesh: string; count: number }>();
  /** Sidecars waiting out their grace period. */
  const timers = new Map<string, NodeJS.Timeout>();
  const withdrawn = new Set<string>();
  let closed = false;

  const key = (kind: DpProxyKind, ref: ProxyRef): string => `${kind}\u0000${ref.mesh}\u0000${ref.name}`;

  const startGrace = (ref: ProxyRef): void => {
    const id = key('Dataplane', ref);
    if (closed || timers.has(id) || withdrawn.has(id) || streams.has(id)) return;
    const timer = setTimeout(() => {
      timers.delete(id);
      withdrawn.add(id);
      discovery.setAvailable(ref, false);
      onChange();
    }, graceMs);
    timer.unref();
    timers.set(id, timer);
  };

  const cancelGrace = (id: string): void => {
    clearTimeout(timers.get(id));
    timers.delete(id);
  };

  return {
    connected(kind, ref) {
      const id = key(kind, ref);
      const entry = streams.get(id) ?? { kind, mesh: ref.mesh, count: 0 };
      entry.count++;
      streams.set(id, entry);
      if (kind !== 'Dataplane') return;
      cancelGrace(id);
      if (withdrawn.delete(id)) {
        discovery.setAvailable(ref, true);
        onChange();
      }
    },
    disconnected(kind, ref) {
      const id = key(kind, ref);
      const entry = streams.get(id);
      if (entry !== undefined && entry.count > 1) {
        entry.count--;
        return;
      }
      streams.delete(id);
      if (kind === 'Dataplane') startGrace(ref);
    },
    seen(ref) {
      startGrace(ref);
    },
    forgotten(ref) {
      const id = key('Dataplane', ref);
      cancelGrace(id);
      if (withdrawn.delete(id)) discovery.setAvailable(ref, true);
    },
    isOnline(kind, ref) {
      return streams.has(key(kind, ref));
    },
    onlineCounts() {
      const counts = new Map<string, { kind: DpProxyKind; mesh: string; count: number }>();
      for (const { kind, mesh } of streams.values()) {
        const group = `${kind}\u0000${mesh}`;
        const entry = counts.get(group) ?? { kind, mesh, count: 0 };
        entry.count++;
        counts.set(group, entry);
      }
      return [...counts.values()];
    },
    close() {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
