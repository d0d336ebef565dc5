/**
 * What a Dataplane resource says about its proxy, for the read views (GUI, `zmctl inspect`): the
 * zone it lives in, whether its proxy is connected, and which of its inbounds count as healthy.
 * Works the same on global (where Dataplanes arrive from every zone) and on a zone control plane.
 */
import {
  type DataplaneStatus,
  type InboundStatus,
  type OutboundStatus,
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
