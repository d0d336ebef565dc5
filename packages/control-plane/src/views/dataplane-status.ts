/**
 * What a Dataplane resource says about its proxy, for the read views (GUI, `zmctl inspect`): the
 * zone it lives in, whether its proxy is connected, and which of its inbounds count as healthy.
 * Works the same on global (where Dataplanes arrive from every zone) and on a zone control plane.
 */
import {
  DataplaneSpecSchema,
  Labels,
  Tags,
  type DataplaneSpec,
  type Inbound,
  type Outbound,
  type Resource,
} from '@zonemesh/api';

/**
 * Label the zone control plane keeps on a Dataplane: `"true"` while its proxy's config stream is
 * open, `"false"` once it closed. Absent when no proxy ever connected (a Dataplane written through
 * the REST API), which the views show as "not reported". Being a label, it syncs to global.
 */
export const proxyOnlineLabel = 'zonemesh.io/online';

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

/** Where the views take a resource's zone from when it carries none (a zone control plane's own name). */
export interface ZoneContext {
  /** This control plane's zone (zone mode), used for Dataplanes written locally. */
  readonly localZone?: string | undefined;
}

/** The zone of a zone-origin resource: its `kuma.io/zone` label (global), else tags, else this zone. */
export function zoneOf(
  resource: Resource,
  tags: readonly Readonly<Record<string, string>>[],
  context: ZoneContext,
): string {
  const label = resource.meta.labels[Labels.zone];
  if (label !== undefined && label !== '') return label;
  for (const tagSet of tags) {
    const tag = tagSet[Tags.zone];
    if (tag !== undefined && tag !== '') return tag;
  }
  return context.localZone ?? 'local';
}

/** The proxy state from {@link proxyOnlineLabel}. */
export function onlineOf(resource: Resource): boolean | null {
  const value = resource.meta.labels[proxyOnlineLabel];
  if (value === 'true') return true;
  if (value === 'false') return false;
  return null;
}

/** The parsed spec of a stored Dataplane; `undefined` when it does not parse (never stored by this code). */
export function dataplaneSpecOf(resource: Resource): DataplaneSpec | undefined {
  const parsed = DataplaneSpecSchema.safeParse(resource.spec);
  return parsed.success ? parsed.data : undefined;
}

/** The status of one stored Dataplane, or `undefined` when its spec does not parse. */
export function dataplaneStatusOf(resource: Resource, context: ZoneContext): DataplaneStatus | undefined {
  const spec = dataplaneSpecOf(resource);
  if (spec === undefined) return undefined;
  const networking = spec.networking ?? {};
  const address = networking.address ?? '';
  const online = onlineOf(resource);
  const inbounds = (networking.inbound ?? []).map((inbound) => inboundStatus(inbound, address, online));
  return {
    name: resource.meta.name,
    mesh: resource.meta.mesh ?? 'default',
    zone: zoneOf(
      resource,
      inbounds.map((inbound) => inbound.tags),
      context,
    ),
    online,
    address,
    inbounds,
    outbounds: (networking.outbound ?? []).map(outboundStatus),
    labels: resource.meta.labels,
    creationTime: resource.meta.creationTime,
    modificationTime: resource.meta.modificationTime,
  };
}

function inboundStatus(inbound: Inbound, dataplaneAddress: string, online: boolean | null): InboundStatus {
  const address = inbound.address ?? dataplaneAddress;
  const port = inbound.port ?? 0;
  const servicePort = inbound.servicePort ?? port;
  const tags = inbound.tags ?? {};
  return {
    name: `${address}:${port}:${servicePort}`,
    address,
    port,
    servicePort,
    service: tags[Tags.service] ?? '',
    tags,
    healthy: online !== false && inbound.health?.ready !== false && inbound.state !== 'NotReady',
  };
}

function outboundStatus(outbound: Outbound): OutboundStatus {
  const address = outbound.address ?? '127.0.0.1';
  const port = outbound.port ?? 0;
  const tags = outbound.tags ?? {};
  return {
    name: `${address}:${port}`,
    address,
    port,
    service: tags[Tags.service] ?? outbound.service ?? outbound.backendRef?.name ?? '',
    tags:
      tags[Tags.service] === undefined && outbound.service !== undefined
        ? { ...tags, [Tags.service]: outbound.service }
        : tags,
  };
}
