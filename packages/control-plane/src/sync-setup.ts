/**
 * Federation over NATS: global publishes its resources and watches the zones; a federated zone
 * receives global's resources and publishes its own. Both start at once and never wait for NATS
 * (see `@zonemesh/sync`); a standalone zone or a global without `--nats-url` has no federation.
 */
import { startGlobalSync, startZoneSync, type NatsConnectionOptions } from '@zonemesh/sync';
import type { ResourceStore } from '@zonemesh/store';
import type { ControlPlaneConfig } from './config.js';
import type { ControlPlaneRuntime } from './control-plane-runtime.js';
import { noFederation, type Federation } from './federation.js';

/** Adds the sync component for this mode; returns what the API shows about federation. */
export function setupSync(runtime: ControlPlaneRuntime, store: ResourceStore): Federation {
  const { config } = runtime;
  const nats = natsOptions(config);
  if (nats === undefined) return noFederation;
  // Sync names its own components (sync-global, sync-zone) on the root logger.
  const log = runtime.log;
  let federation: Federation = noFederation;
  runtime.lifecycle.add({
    name: 'sync',
    start: async (signal) => {
      if (config.mode === 'global') {
        const sync = startGlobalSync({
          nats,
          store,
          log,
          metrics: runtime.metrics,
          signal,
          zoneOfflineTimeoutMs: config.zoneOfflineTimeout,
        });
        federation = { zones: () => sync.zones(), zoneStatus: () => undefined };
        return { done: sync.done };
      }
      const zone = config.zone;
      if (zone === undefined) throw new Error('a federated zone needs --zone');
      const sync = startZoneSync({ nats, zone, store, log, metrics: runtime.metrics, signal });
      federation = { zones: () => [], zoneStatus: () => sync.status() };
      return { done: sync.done };
    },
  });
  return {
    zones: () => federation.zones(),
    zoneStatus: () => federation.zoneStatus(),
  };
}

function natsOptions(config: ControlPlaneConfig): NatsConnectionOptions | undefined {
  if (config.natsUrl === undefined) return undefined;
  return {
    url: config.natsUrl,
    ...(config.natsCreds === undefined ? {} : { credsFile: config.natsCreds }),
    ...(config.natsJsDomain === undefined ? {} : { jsDomain: config.natsJsDomain }),
    ...(config.natsJsApiPrefix === undefined ? {} : { jsApiPrefix: config.natsJsApiPrefix }),
    ...(config.natsInboxPrefix === undefined ? {} : { inboxPrefix: config.natsInboxPrefix }),
  };
}
