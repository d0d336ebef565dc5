/**
 * The global half of sync:
 * - publishes global-origin resources (and the zone ingresses it forwards) from its store to
 *   `zm-global` (a mirror fed by a store follower);
 * - applies `zm-zones` to its store, resuming from the checkpoint kept with the data;
 * - tracks every zone's liveness from heartbeats and sends its own.
 * It creates both buckets. Run it on one global instance at a time (the leader).
 */
import { MeshError } from '@zonemesh/api';
import { isGlobalOriginType, isForwardedToZones, syncedTypes } from '../kind-routing.js';
import { startKvFollower } from '../kv-follower.js';
import { globalBucket, globalReadyKey, isZoneName, zonesBucket } from '../kv-keys.js';
import { startKvMirror } from '../kv-mirror.js';
import { openNatsLink } from '../nats-connection.js';
import { runHeartbeats } from '../heartbeats.js';
import { followStore } from '../store-follower.js';
import type { GlobalSync, GlobalSyncOptions } from '../sync-contract.js';
import { createSyncMetrics } from '../sync-metrics.js';
import { encodeHeartbeat, HeartbeatSubjects } from '../wire-format.js';
import { GlobalProjection } from './global-projection.js';
import { ZoneDataApplier } from './zone-data-applier.js';
import { ZoneRegistry } from './zone-registry.js';

/** The zone token of a heartbeat subject `zm.heartbeat.zone.<zone>` (unchecked). */
function zoneOfSubject(subject: string): string {
  return subject.slice(HeartbeatSubjects.zone('').length);
}

/** Name of global's checkpoint of `zm-zones` in its store. */
export const zonesCheckpointName = 'sync/zm-zones';

/**
 * Starts global sync at once; connecting, reconnecting and resuming happen in the background.
 * Throws `InvalidInput` only for bad options (timeouts, credentials file).
 */
export function startGlobalSync(options: GlobalSyncOptions): GlobalSync {
  if (!(options.zoneOfflineTimeoutMs > 0)) {
    throw new MeshError('InvalidInput', 'zoneOfflineTimeoutMs must be positive', {
      causes: [{ field: 'zoneOfflineTimeoutMs', message: `got ${options.zoneOfflineTimeoutMs}` }],
    });
  }
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5_000;
  if (!(heartbeatIntervalMs > 0)) {
    throw new MeshError('InvalidInput', 'heartbeatIntervalMs must be positive', {
      causes: [{ field: 'heartbeatIntervalMs', message: `got ${heartbeatIntervalMs}` }],
    });
  }
  const log = options.log.child({ component: 'sync-global' });
  const metrics = createSyncMetrics(options.metrics, 'global');
  const stop = new AbortController();
  const signal = stop.signal;
  const link = openNatsLink({ nats: options.nats, name: 'zonemesh-global', log, metrics, signal });
  const onAbort = (): void => stop.abort();
  if (options.signal.aborted) stop.abort();
  else options.signal.addEventListener('abort', onAbort, { once: true });

  const mirror = startKvMirror({
    link,
    bucket: globalBucket,
    filter: '>',
    readyKey: globalReadyKey,
    createBuckets: [globalBucket, zonesBucket],
    log,
    metrics,
    stream: 'global',
    check: 'stream-info',
    signal,
  });
  // The registry reads the zones the projection knows; the projection tells it when one is deleted.
  const projection = new GlobalProjection(mirror, (zone) => zones.forget(zone));
  const zones = new ZoneRegistry({
    store: options.store,
    known: projection,
    offlineTimeoutMs: options.zoneOfflineTimeoutMs,
    log,
    metrics,
  });

  const publishing = followStore({
    store: options.store,
    types: syncedTypes.filter((type) => isGlobalOriginType(type) || isForwardedToZones(type)),
    handlers: projection,
    log,
    metrics,
    signal,
  });
  const applying = startKvFollower({
    link,
    bucket: zonesBucket,
    store: options.store,
    checkpointName: zonesCheckpointName,
    target: new ZoneDataApplier({ store: options.store, registry: zones, log, metrics }),
    log,
    metrics,
    stream: 'zones',
    signal,
    startAfter: mirror.bucketsReady,
    zoneOfKey: (key) => {
      const zone = key.slice(0, key.indexOf('.'));
      return isZoneName(zone) ? zone : undefined;
    },
  });
  const heartbeats = runHeartbeats({
    link,
    subject: HeartbeatSubjects.global,
    payload: () => encodeHeartbeat({ sentAt: new Date().toISOString(), revision: mirror.revision() }),
    intervalMs: heartbeatIntervalMs,
    listen: {
      subject: HeartbeatSubjects.allZones,
      onMessage: (subject, data) => zones.heartbeat(zoneOfSubject(subject), data),
      zoneOf: (subject) => {
        const zone = zoneOfSubject(subject);
        return isZoneName(zone) ? zone : undefined;
      },
    },
    log,
    metrics,
    signal,
  });
  const ticker = setInterval(
    () => zones.tick(mirror.revision()),
    Math.max(50, Math.min(1_000, options.zoneOfflineTimeoutMs / 4)),
  );

  const done = (async () => {
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    clearInterval(ticker);
    options.signal.removeEventListener('abort', onAbort);
    await Promise.allSettled([publishing, applying.done, mirror.done, heartbeats.done]);
    await link.close();
    log.info('global sync stopped');
  })();

  return {
    zones: () => zones.overview(mirror.revision()),
    done,
  };
}
