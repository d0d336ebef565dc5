/**
 * Response shapes of the control plane's read-only views (REST extensions the GUI and `zmctl
 * inspect` read). Declared once here so that the server and its clients cannot drift apart.
 */

/** One zone a service runs in. */
export interface ServiceZone {
  readonly zone: string;
  readonly instances: number;
  readonly healthy: number;
  /** Where the counts come from: the zone's Dataplanes, or only its ingress's `availableServices`. */
  readonly source: 'dataplanes' | 'ingress';
}

/** A zone ingress that offers the service to other zones. */
export interface ServiceIngress {
  readonly name: string;
  readonly zone: string;
  /** Where other zones reach it (`advertisedAddress:advertisedPort`), when set. */
  readonly address?: string;
  readonly port?: number;
  /** Healthy instances behind it, as the ingress publishes them. */
  readonly instances: number;
}

/** One service of a mesh. */
export interface ServiceSummary {
  readonly name: string;
  readonly mesh: string;
  /** `kuma.io/protocol` of its inbounds when they agree on one. */
  readonly protocol?: string;
  /** Sorted by zone name. */
  readonly zones: readonly ServiceZone[];
  readonly instances: number;
  readonly healthy: number;
  readonly ingresses: readonly ServiceIngress[];
}
