/**
 * The public contract of `@zonemesh/sync`, shared with `@zonemesh/control-plane`
 * (the sync section of docs/adr/0003-sync-over-jetstream-kv.md). Names and shapes are fixed; fields marked "extension" were added
 * by this package and are optional.
 */
import type { ResourceStore } from '@zonemesh/store';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/**
 * How to reach NATS. Everything but `url` is optional: a plain nats-server without auth works.
 *
 * `credsFile` may hold, detected from its content:
 * - a NATS `.creds` file (user JWT + nkey seed, from `nsc`),
 * - an nkey seed alone (`SU...`),
 * - one line `user:password`.
 * The file is read once at start; an unreadable or unrecognised file is a configuration error
 * (`MeshError` `InvalidInput` thrown by `startGlobalSync`/`startZoneSync`).
 */
export interface NatsConnectionOptions {
  /** One or more server URLs, comma-separated. */
  readonly url: string;
  readonly credsFile?: string;
  /**
   * JetStream API prefix, e.g. `$JS.mesh.API` for a zone account that imports the MESH
   * account's JetStream API under its own prefix. Takes precedence over `jsDomain`.
   */
  readonly jsApiPrefix?: string;
  /** The hub's JetStream domain when connecting through a leaf node (`$JS.<domain>.API`). */
  readonly jsDomain?: string;
  /** Prefix of this client's reply subjects, e.g. `_INBOX_zone-1` (zone isolation). */
  readonly inboxPrefix?: string;
}

export interface GlobalSyncOptions {
  readonly nats: NatsConnectionOptions;
  /** Global's store: the source of global-origin kinds and the destination of zone data. */
  readonly store: ResourceStore;
  readonly log: Logger;
  /** Sync's metrics are registered here (reused when already registered). */
  readonly metrics: Registry;
  /** Aborting stops sync and closes the NATS connection; `done` settles afterwards. */
  readonly signal: AbortSignal;
  /** A zone is offline when no heartbeat arrived for this long (default flag value 30_000). */
  readonly zoneOfflineTimeoutMs: number;
  /** Extension: how often global publishes its heartbeat, default 5_000. */
  readonly heartbeatIntervalMs?: number;
}

export interface ZoneSyncOptions {
  readonly nats: NatsConnectionOptions;
  /** This zone's name: a DNS label (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters). */
  readonly zone: string;
  /** The zone's store (memory or Redis); sync keeps its checkpoint in it. */
  readonly store: ResourceStore;
  readonly log: Logger;
  readonly metrics: Registry;
  readonly signal: AbortSignal;
  /** How often the zone publishes its heartbeat, default 5_000. */
  readonly heartbeatIntervalMs?: number;
}

/** A running global side of sync. */
export interface GlobalSync {
  /** Every zone ever seen, with its insight (for GET /zones/_overview and `zmctl inspect zones`). */
  zones(): readonly ZoneOverview[];
  /** Settles after the signal aborted and everything closed; never rejects. */
  readonly done: Promise<void>;
}

/** A running zone side of sync. */
export interface ZoneSync {
  /** Connected?, last applied global revision, last error. */
  status(): ZoneSyncStatus;
  /** Settles after the signal aborted and everything closed; never rejects. */
  readonly done: Promise<void>;
}

/** What global knows about one zone. */
export interface ZoneOverview {
  readonly name: string;
  /** A heartbeat arrived within `zoneOfflineTimeoutMs`. */
  readonly online: boolean;
  /** RFC 3339 time of the last heartbeat. */
  readonly lastSeen?: string;
  /** Global revisions the zone has not applied yet (0 when unknown). */
  readonly lag: number;
  /**
   * Counts per kind of what the zone holds, as it last reported them (within ~200 ms of a change):
   * everything in its store — the Meshes, policies and Zones received from global, its own
   * Dataplanes and ZoneIngresses, other zones' ingresses. A zone speaking wire 1.0 reports only
   * its own Dataplanes and ZoneIngresses.
   */
  readonly resources: Readonly<Record<string, number>>;
  /** The wire format version the zone speaks. */
  readonly wireVersion?: string;
  /** Why global refuses the zone's messages, e.g. "incompatible wire format 2.0 (global speaks 1.x)". */
  readonly problem?: string;
  /** Extension: the Zone resource says `enabled: false` (its resources are withheld from other zones). */
  readonly disabled?: boolean;
}

/** What a zone knows about its sync. */
export interface ZoneSyncStatus {
  /** Connected to NATS. */
  readonly connected: boolean;
  /** The last global revision applied to the zone's store (0 before the first one). */
  readonly appliedRevision: number;
  readonly lastError?: string;
  /** Extension: RFC 3339 time of the last heartbeat from global. */
  readonly globalLastSeen?: string;
}
