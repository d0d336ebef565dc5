/**
 * Global's view of every zone: liveness from heartbeats (online until `offlineTimeoutMs` passes
 * without one), the revision each zone applied, the counts it reported, and problems such as an
 * incompatible wire format. It also registers a `Zone` resource the first time a zone shows up.
 * A zone's identity is the subject or key prefix it wrote on (which its NATS account
 * permissions pin), never a field of the payload.
 */
import { isMeshError, type NewResource } from '@zonemesh/api';
import type { ResourceStore } from '@zonemesh/store';
import type { Logger } from 'pino';
import { isZoneName } from '../kv-keys.js';
import type { SyncMetrics } from '../sync-metrics.js';
import type { ZoneOverview } from '../sync-contract.js';
import { decodeZoneHeartbeat, incompatibleVersionProblem } from '../wire-format.js';
import type { KnownZones } from './global-projection.js';

interface ZoneState {
  lastSeen?: number;
  appliedRevision?: number;
  /** What the zone reported holding (1.1), else its own resources (1.0 zones). */
  resources: Record<string, number>;
  wireVersion?: string;
  /** Set by an incompatible heartbeat, cleared by a compatible one. */
  heartbeatProblem?: string;
  /** Set by an incompatible data entry, cleared by a compatible one. */
  dataProblem?: string;
  online: boolean;
}

export interface ZoneRegistryOptions {
  readonly store: ResourceStore;
  readonly known: KnownZones;
  readonly offlineTimeoutMs: number;
  readonly log: Logger;
  readonly metrics: SyncMetrics;
  /** Clock, for tests. */
  readonly now?: () => number;
}

/** See the module comment. */
export class ZoneRegistry {
  readonly #options: ZoneRegistryOptions;
  readonly #zones = new Map<string, ZoneState>();
  /** Zones whose Zone resource exists or is being created. */
  readonly #registered = new Set<string>();
  readonly #now: () => number;
  /** Global's revision at the last tick, for the lag metric between ticks. */
  #globalRevision = 0;

  constructor(options: ZoneRegistryOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  #state(zone: string): ZoneState {
    let state = this.#zones.get(zone);
    if (state === undefined) {
      state = { resources: {}, online: false };
      this.#zones.set(zone, state);
    }
    return state;
  }

  /** A heartbeat arrived on `zm.heartbeat.zone.<zone>`. */
  heartbeat(zone: string, data: Uint8Array): void {
    const { log, metrics } = this.#options;
    if (!isZoneName(zone)) {
      metrics.invalid('heartbeat', 'mismatch');
      log.warn({ subjectToken: zone }, 'heartbeat on a subject that names no valid zone, skipped');
      return;
    }
    const decoded = decodeZoneHeartbeat(data);
    if (!decoded.ok) {
      metrics.invalid('heartbeat', decoded.reason);
      if (decoded.reason === 'incompatible' && decoded.version !== undefined) {
        const state = this.#state(zone);
        this.#markSeen(zone, state);
        state.wireVersion = decoded.version;
        if (state.heartbeatProblem !== decoded.detail) {
          log.error(
            { zone, version: decoded.version, problem: decoded.detail },
            'refusing a zone that speaks an incompatible wire format',
          );
        }
        state.heartbeatProblem = decoded.detail;
        this.register(zone);
        return;
      }
      log.warn({ zone, reason: decoded.reason, detail: decoded.detail }, 'invalid heartbeat skipped');
      return;
    }
    if (decoded.value.zone !== zone) {
      metrics.invalid('heartbeat', 'mismatch');
      log.warn(
        { zone, claimed: decoded.value.zone },
        'heartbeat names another zone than its subject, skipped',
      );
      return;
    }
    const state = this.#state(zone);
    this.#markSeen(zone, state);
    state.appliedRevision = decoded.value.appliedRevision;
    state.resources = { ...(decoded.value.held ?? decoded.value.resources) };
    state.wireVersion = decoded.version;
    delete state.heartbeatProblem;
    this.register(zone);
  }

  #markSeen(zone: string, state: ZoneState): void {
    state.lastSeen = this.#now();
    if (!state.online) {
      state.online = true;
      this.#options.log.info({ zone }, 'zone online');
      this.#options.metrics.zone(zone, true, lagOf(state, this.#globalRevision), state.lastSeen);
    }
  }

  /** A data entry from `zone` was compatible (clears a data problem). */
  dataSeen(zone: string): void {
    const state = this.#zones.get(zone);
    if (state !== undefined) delete state.dataProblem;
    this.register(zone);
  }

  /** A data entry from `zone` speaks an incompatible wire format. */
  dataIncompatible(zone: string, version: string): void {
    const state = this.#state(zone);
    const problem = incompatibleVersionProblem(version, 'global');
    if (state.dataProblem !== problem) {
      this.#options.log.error(
        { zone, version, problem },
        'refusing zone data in an incompatible wire format',
      );
    }
    state.dataProblem = problem;
    state.wireVersion = version;
    this.register(zone);
  }

  /**
   * Makes sure a `Zone` resource named after the zone exists (created enabled when missing).
   * Fire and forget: a failure is logged and retried on the zone's next message.
   */
  register(zone: string): void {
    if (this.#registered.has(zone) || this.#options.known.zones.has(zone)) return;
    this.#registered.add(zone);
    const resource: NewResource = { type: 'Zone', meta: { name: zone, labels: {} }, spec: { enabled: true } };
    this.#options.store.create(resource).then(
      () => this.#options.log.info({ zone }, 'zone registered'),
      (err: unknown) => {
        if (isMeshError(err, 'AlreadyExists')) return;
        this.#registered.delete(zone);
        this.#options.metrics.error('store', zone);
        this.#options.log.warn({ zone, err: (err as Error).message }, 'cannot register zone, will retry');
      },
    );
  }

  /** The Zone resource was deleted: register it again when the zone next shows up. */
  forget(zone: string): void {
    this.#registered.delete(zone);
  }

  /** Marks zones offline whose last heartbeat is too old, and updates the per-zone metrics. */
  tick(globalRevision: number): void {
    this.#globalRevision = globalRevision;
    const now = this.#now();
    for (const [zone, state] of this.#zones) {
      if (
        state.online &&
        (state.lastSeen === undefined || now - state.lastSeen > this.#options.offlineTimeoutMs)
      ) {
        state.online = false;
        this.#options.log.warn({ zone, lastSeen: iso(state.lastSeen) }, 'zone offline');
      }
      this.#options.metrics.zone(zone, state.online, lagOf(state, globalRevision), state.lastSeen);
    }
  }

  /** Every zone ever seen or registered, sorted by name. */
  overview(globalRevision: number): ZoneOverview[] {
    const names = new Set([...this.#zones.keys(), ...this.#options.known.zones.keys()]);
    return [...names].sort().map((name) => {
      const state = this.#zones.get(name);
      const problem = state?.heartbeatProblem ?? state?.dataProblem;
      const lastSeen = iso(state?.lastSeen);
      return {
        name,
        online: state?.online ?? false,
        lag: state === undefined ? 0 : lagOf(state, globalRevision),
        resources: { ...state?.resources },
        ...(lastSeen === undefined ? {} : { lastSeen }),
        ...(state?.wireVersion === undefined ? {} : { wireVersion: state.wireVersion }),
        ...(problem === undefined ? {} : { problem }),
        ...(this.#options.known.zones.get(name) === true ? { disabled: true } : {}),
      };
    });
  }
}

function lagOf(state: ZoneState, globalRevision: number): number {
  return state.appliedRevision === undefined ? 0 : Math.max(0, globalRevision - state.appliedRevision);
}

function iso(time: number | undefined): string | undefined {
  return time === undefined ? undefined : new Date(time).toISOString();
}
