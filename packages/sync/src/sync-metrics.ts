/**
 * Prometheus metrics of sync, registered on the registry the caller passes. Registering twice on
 * one registry (global and zone sync in one process, or a restart) reuses the existing metrics.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** Which half of sync a series comes from. */
export type SyncSide = 'global' | 'zone';
/** `global`: the zm-global bucket, `zones`: zm-zones, `heartbeat`: the heartbeat subjects. */
export type SyncStream = 'global' | 'zones' | 'heartbeat';
/** What failed, for the errors metric. */
export type SyncOperation = 'connect' | 'publish' | 'watch' | 'apply' | 'store';

export interface SyncMetrics {
  /**
   * A message sent or received on a stream, with its size. `zone` is the zone it came from or is
   * about (on global: the sending zone of what it receives; a zone's series all carry its own
   * name); the side's default when omitted.
   */
  message(direction: 'sent' | 'received', stream: SyncStream, bytes: number, zone?: string): void;
  invalid(stream: SyncStream, reason: string): void;
  error(operation: SyncOperation, zone?: string): void;
  snapshot(): void;
  appliedRevision(stream: SyncStream, revision: number): void;
  connected(up: boolean): void;
  /** Global's view of one zone; `lastSeenMs` is the Unix time in ms of its last heartbeat. */
  zone(zone: string, online: boolean, lag: number, lastSeenMs?: number): void;
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Gauge<L> {
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Gauge<L>;
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

/**
 * Creates (or reuses) sync's metrics on `registry`, labelled with `side`. `zone` is the default
 * `zone` label of the per-message series: a zone's own name, `""` on global.
 */
export function createSyncMetrics(registry: Registry, side: SyncSide, zone = ''): SyncMetrics {
  const defaultZone = zone;
  const messages = counter(registry, 'zonemesh_sync_messages_total', 'Sync messages sent or received.', [
    'side',
    'direction',
    'stream',
    'zone',
  ]);
  const bytes = counter(registry, 'zonemesh_sync_bytes_total', 'Payload bytes of sync messages.', [
    'side',
    'direction',
    'stream',
    'zone',
  ]);
  const invalid = counter(
    registry,
    'zonemesh_sync_invalid_messages_total',
    'Messages refused: oversized, malformed, incompatible version or not matching their key.',
    ['side', 'stream', 'reason'],
  );
  const errors = counter(registry, 'zonemesh_sync_errors_total', 'Failed sync operations (retried).', [
    'side',
    'operation',
    'zone',
  ]);
  const snapshots = counter(
    registry,
    'zonemesh_sync_snapshots_total',
    'Full snapshots taken because there was no usable checkpoint.',
    ['side'],
  );
  const applied = gauge(registry, 'zonemesh_sync_applied_revision', 'Last revision applied from a bucket.', [
    'side',
    'stream',
  ]);
  const connected = gauge(registry, 'zonemesh_sync_connected', '1 while connected to NATS.', ['side']);
  const zoneOnline = gauge(registry, 'zonemesh_sync_zone_online', '1 while a zone sends heartbeats.', [
    'zone',
  ]);
  const zoneLag = gauge(
    registry,
    'zonemesh_sync_zone_lag_revisions',
    'Global revisions a zone has not applied yet.',
    ['zone'],
  );
  const zoneLastSeen = gauge(
    registry,
    'zonemesh_sync_zone_last_seen_timestamp_seconds',
    "Unix time of a zone's last heartbeat.",
    ['zone'],
  );
  return {
    message(direction, stream, size, about = defaultZone) {
      messages.inc({ side, direction, stream, zone: about });
      bytes.inc({ side, direction, stream, zone: about }, size);
    },
    invalid: (stream, reason) => invalid.inc({ side, stream, reason }),
    error: (operation, about = defaultZone) => errors.inc({ side, operation, zone: about }),
    snapshot: () => snapshots.inc({ side }),
    appliedRevision: (stream, revision) => applied.set({ side, stream }, revision),
    connected: (up) => connected.set({ side }, up ? 1 : 0),
    zone(name, online, lag, lastSeenMs) {
      zoneOnline.set({ zone: name }, online ? 1 : 0);
      zoneLag.set({ zone: name }, lag);
      if (lastSeenMs !== undefined) zoneLastSeen.set({ zone: name }, lastSeenMs / 1000);
    },
  };
}
