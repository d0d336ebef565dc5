/**
 * @zonemesh/sync — global <-> zone resource sync over NATS JetStream KV.
 * See docs/adr/0003-sync-over-jetstream-kv.md for the wire format and bucket layout.
 */
export { startGlobalSync } from './global/global-sync.js';
export { startZoneSync } from './zone/zone-sync.js';
export { authenticatorFromFile } from './nats-connection.js';
export { globalBucket, zonesBucket } from './kv-keys.js';
export { HeartbeatSubjects, maxMessageBytes, wireVersion } from './wire-format.js';
export {
  meshAccount,
  meshApiPrefix,
  renderNatsAccounts,
  zoneAccount,
  zoneInboxPrefix,
} from './nats-accounts.js';
export type { NatsAccountsOptions, NatsUserCredentials } from './nats-accounts.js';
export type {
  GlobalSync,
  GlobalSyncOptions,
  NatsConnectionOptions,
  ZoneOverview,
  ZoneSync,
  ZoneSyncOptions,
  ZoneSyncStatus,
} from './sync-contract.js';
