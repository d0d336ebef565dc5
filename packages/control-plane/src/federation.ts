/**
 * What the REST API shows about federation, whichever side of it this control plane is on:
 * global's view of every zone, or a zone's own link to global. Backed by `@zonemesh/sync`.
 */

/** A zone as global sees it (the shape `@zonemesh/sync`'s `GlobalSync.zones()` returns). */
export interface ZoneOverview {
  readonly name: string;
  readonly online: boolean;
  readonly lastSeen?: string;
  readonly lag: number;
  readonly resources: Readonly<Record<string, number>>;
  readonly wireVersion?: string;
  readonly problem?: string;
}

/** A zone's link to global (the shape `@zonemesh/sync`'s `ZoneSync.status()` returns). */
export interface ZoneSyncStatus {
  readonly connected: boolean;
  readonly appliedRevision: number;
  readonly lastError?: string;
}

export interface Federation {
  /** Global: every zone ever seen, with its insight. Empty on a zone control plane. */
  zones(): readonly ZoneOverview[];
  /** Zone: the link to global; undefined on global and on a zone without `--nats-url`. */
  zoneStatus(): ZoneSyncStatus | undefined;
}

/** A control plane without federation (global without NATS, or a standalone zone). */
export const noFederation: Federation = {
  zones: () => [],
  zoneStatus: () => undefined,
};
