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

/** One mesh in `GET /meshes/_overview`. */
export interface MeshOverview {
  readonly name: string;
  readonly mtls: { readonly enabled: boolean; readonly backend: string | null };
  readonly dataplanes: {
    readonly total: number;
    readonly online: number;
    readonly offline: number;
    readonly unreported: number;
  };
  readonly services: number;
  /** Count per policy kind (every mesh-scoped kind but Dataplane), zeros included. */
  readonly policies: Readonly<Record<string, number>>;
}

/** One inbound as the views show it. */
export interface InboundStatus {
  /** Kuma's name for the attachment: `address:port:servicePort`. */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly servicePort: number;
  readonly service: string;
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Whether it counts as a healthy endpoint: its proxy is not known to be offline, its app's
   * probe has not failed (`health.ready: false`) and Kuma's `state` is not `NotReady`.
   */
  readonly healthy: boolean;
}

/** One outbound as the views show it. */
export interface OutboundStatus {
  /** Kuma's name for the attachment: `address:port`. */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly service: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** One Dataplane with its zone, proxy state and inbounds, as `GET /meshes/{mesh}/dataplanes/_overview` answers. */
export interface DataplaneStatus {
  readonly name: string;
  readonly mesh: string;
  readonly zone: string;
  /** `true`/`false` as the zone control plane reported it, `null` when nothing reported it. */
  readonly online: boolean | null;
  readonly address: string;
  readonly inbounds: readonly InboundStatus[];
  readonly outbounds: readonly OutboundStatus[];
  readonly labels: Readonly<Record<string, string>>;
  readonly creationTime: string;
  readonly modificationTime: string;
}
