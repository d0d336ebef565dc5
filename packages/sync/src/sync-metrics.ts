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
  /** A message sent or received on a stream, with its size. */
  message(direction: 'sent' | 'received', stream: SyncStream, bytes: number): void;
  invalid(stream: SyncStream, reason: string): void;
  error(operation: SyncOperation): void;
  snapshot(): void;
  appliedRevision(stream: SyncStream, revision: number): void;
  connected(up: boolean): void;
  zone(zone: string, online: boolean, lag: number): void;
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

/** Creates (or reuses) sync's metrics on `registry`, labelled with `side`. */
export function createSyncMetrics(registry: Registry, side: SyncSide): SyncMetrics {
  const messages = counter(registry, 'zonemesh_sync_messages_total', 'Sync messages sent or received.', [
    'side',
    'direction',
    'stream',
  ]);
  const bytes = counter(registry, 'zonemesh_sync_bytes_total', 'Payload bytes of sync messages.', [
    'side',
    'direction',
    'stream',
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
  return {
    message(direction, stream, size) {
      messages.inc({ side, direction, stream });
      bytes.inc({ side, direction, stream }, size);
    },
    invalid: (stream, reason) => invalid.inc({ side, stream, reason }),
    error: (operation) => errors.inc({ side, operation }),
    snapshot: () => snapshots.inc({ side }),
    appliedRevision: (stream, revision) => applied.set({ side, stream }, revision),
    connected: (up) => connected.set({ side }, up ? 1 : 0),
    zone(zone, online, lag) {
      zoneOnline.set({ zone }, online ? 1 : 0);
      zoneLag.set({ zone }, lag);
    },
  };
}
