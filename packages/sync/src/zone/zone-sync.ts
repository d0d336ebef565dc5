/**
 * The zone half of sync:
 * - applies `zm-global` to the zone's store in revision order, resuming from the checkpoint kept
 *   with the data (a full snapshot when there is none usable);
 * - publishes the zone's own Dataplanes and ZoneIngresses under `<zone>.` in `zm-zones`;
 * - sends heartbeats (what it applied, what it holds) every interval and within 200 ms of a
 *   change, and listens to global's.
 * With NATS or global down the zone's store stays as it is (fail-static): nothing is deleted
 * except by a delete from global or a complete snapshot.
 */
import { MeshError } from '@zonemesh/api';
import { runHeartbeats } from '../heartbeats.js';
import { isZoneOriginType, syncedTypes } from '../kind-routing.js';
import { startKvFollower } from '../kv-follower.js';
import { globalBucket, isZoneName, zoneKeyFilter, zoneReadyKey, zonesBucket } from '../kv-keys.js';
import { startKvMirror } from '../kv-mirror.js';
import { openNatsLink } from '../nats-connection.js';
import { followStore } from '../store-follower.js';
import type { ZoneSync, ZoneSyncOptions, ZoneSyncStatus } from '../sync-contract.js';
import { createSyncMetrics } from '../sync-metrics.js';
import { decodeGlobalHeartbeat, encodeHeartbeat, HeartbeatSubjects } from '../wire-format.js';
import { GlobalDataApplier } from './global-data-applier.js';
import { HeldResources } from './held-resources.js';
import { ZoneProjection } from './zone-projection.js';

/** Name of the zone's checkpoint of `zm-global` in its store. */
export const globalCheckpointName = 'sync/zm-global';

/**
 * Starts zone sync at once; connecting, reconnecting and resuming happen in the background.
 * Throws `InvalidInput` only for bad options (zone name, interval, credentials file).
 */
export function startZoneSync(options: ZoneSyncOptions): ZoneSync {
  const zone = options.zone;
  if (!isZoneName(zone)) {
    throw new MeshError('InvalidInput', `invalid zone name ${JSON.stringify(zone)}`, {
      causes: [
        { field: 'zone', message: 'must be a DNS label: lower-case letters, digits and -, at most 63' },
      ],
    });
  }
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5_000;
  if (!(heartbeatIntervalMs > 0)) {
    throw new MeshError('InvalidInput', 'heartbeatIntervalMs must be positive', {
      causes: [{ field: 'heartbeatIntervalMs', message: `got ${heartbeatIntervalMs}` }],
    });
  }
  const log = options.log.child({ component: 'sync-zone', zone });
  const metrics = createSyncMetrics(options.metrics, 'zone', zone);
  const stop = new AbortController();
  const signal = stop.signal;
  const link = openNatsLink({ nats: options.nats, name: `zonemesh-zone-${zone}`, log, metrics, signal });
  const onAbort = (): void => stop.abort();
  if (options.signal.aborted) stop.abort();
  else options.signal.addEventListener('abort', onAbort, { once: true });

  let problem: string | undefined;
  let globalLastSeen: number | undefined;

  const mirror = startKvMirror({
    link,
    bucket: zonesBucket,
    filter: zoneKeyFilter(zone),
    readyKey: zoneReadyKey(zone),
    log,
    metrics,
    stream: 'zones',
    check: 'reread',
    signal,
  });
  const projection = new ZoneProjection(zone, mirror);
  // Global shows what the zone holds as soon as it changed, not one heartbeat interval later.
  const held = new HeldResources(() => heartbeats.soon());
  const publishing = followStore({
    store: options.store,
    types: syncedTypes,
    handlers: {
      reset(resources) {
        projection.reset(resources.filter((resource) => isZoneOriginType(resource.type)));
        held.reset(resources);
      },
      change(event) {
        if (isZoneOriginType(event.resource.type)) projection.change(event);
        held.change(event);
      },
    },
    log,
    metrics,
    signal,
  });
  const applying = startKvFollower({
    link,
    bucket: globalBucket,
    store: options.store,
    checkpointName: globalCheckpointName,
    target: new GlobalDataApplier({
      zone,
      store: options.store,
      log,
      metrics,
      onProblem: (text) => {
        problem = text;
      },
    }),
    log,
    metrics,
    stream: 'global',
    signal,
    onApplied: () => heartbeats.soon(),
  });
  const heartbeats = runHeartbeats({
    link,
    subject: HeartbeatSubjects.zone(zone),
    payload: () =>
      encodeHeartbeat({
        zone,
        sentAt: new Date().toISOString(),
        appliedRevision: applying.appliedRevision(),
        resources: projection.counts(),
        held: held.counts(),
      }),
    intervalMs: heartbeatIntervalMs,
    listen: {
      subject: HeartbeatSubjects.global,
      onMessage: (_subject, data) => {
        const decoded = decodeGlobalHeartbeat(data);
        if (decoded.ok) {
          globalLastSeen = Date.now();
          if (problem?.startsWith('global heartbeat:') === true) problem = undefined;
          return;
        }
        metrics.invalid('heartbeat', decoded.reason);
        const text = `global heartbeat: ${decoded.detail}`;
        if (problem !== text)
          log.warn({ reason: decoded.reason, detail: decoded.detail }, 'invalid global heartbeat');
        if (decoded.reason === 'incompatible') problem = text;
      },
    },
    log,
    metrics,
    signal,
  });

  const done = (async () => {
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    options.signal.removeEventListener('abort', onAbort);
    await Promise.allSettled([publishing, applying.done, mirror.done, heartbeats.done]);
    await link.close();
    log.info('zone sync stopped');
  })();

  return {
    status(): ZoneSyncStatus {
      const lastError = problem ?? applying.lastError() ?? mirror.lastError();
      return {
        connected: link.isConnected(),
        appliedRevision: applying.appliedRevision(),
        ...(lastError === undefined ? {} : { lastError }),
        ...(globalLastSeen === undefined ? {} : { globalLastSeen: new Date(globalLastSeen).toISOString() }),
      };
    },
    done,
  };
}
