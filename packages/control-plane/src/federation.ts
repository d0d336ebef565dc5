/**
 * What the REST API shows about federation, whichever side of it this control plane is on:
 * global's view of every zone, or a zone's own link to global. Backed by `@zonemesh/sync`.
 */
import type { ZoneOverview, ZoneSyncStatus } from '@zonemesh/sync';

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

export type { ZoneOverview, ZoneSyncStatus };
