/**
 * What discovery reads of a Dataplane: its inbounds (where they listen, the app behind them, their
 * tags, whether the app answers its probe) and the services it calls. Parsed once per write.
 */
import {
  DataplaneSpecSchema,
  MeshError,
  Labels,
  type Resource,
  Tags,
  ZoneIngressSpecSchema,
  type AvailableService,
} from '@zonemesh/api';

/** The service address a sidecar forwards to when the Dataplane names none. */
export const defaultServiceAddress = '127.0.0.1';

/** The local address an outbound listens on when the Dataplane names none. */
export const defaultOutboundAddress = '127.0.0.1';

/** One inbound as discovery uses it. */
export interface InboundView {
  /** Where the sidecar listens (the inbound's address, else the Dataplane's). */
  readonly address: string;
  readonly port: number;
  /** Where peers reach this inbound: its address, else the Dataplane's advertised or plain address. */
  readonly reachableAddress: string;
  readonly serviceAddress: string;
  readonly servicePort: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly service: string;
  /**
   * The app's health as the sidecar last reported it (`inbound.health.ready`); an inbound without
   * a report counts as healthy, as in Kuma.
   */
  readonly healthy: boolean;
}

/** One outbound as discovery uses it. */
export interface OutboundView {
  readonly address: string;
  readonly port: number;
  readonly service: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** A Dataplane as discovery uses it. */
export interface DataplaneView {
  readonly mesh: string;
  readonly name: string;
  readonly inbounds: readonly InboundView[];
  readonly outbounds: readonly OutboundView[];
  /** The tags the proxy is known by as a client: each inbound's, or the gateway's. */
  readonly sourceTags: readonly Readonly<Record<string, string>>[];
}

/**
 * Reads a stored Dataplane. Outbounds given as `backendRef` (MeshService resources, which
 * zonemesh does not have) are left out. Throws `InvalidInput` when the spec does not parse.
 */
export function readDataplane(resource: Resource): DataplaneView {
  const mesh = resource.meta.mesh ?? '';
  const parsed = DataplaneSpecSchema.safeParse(resource.spec);
  if (!parsed.success) {
    throw new MeshError('InvalidInput', `Dataplane ${mesh}/${resource.meta.name} cannot be read`, {
      cause: parsed.error,
    });
  }
  const networking = parsed.data.networking ?? {};
  const dpAddress = networking.address ?? '';
  const inbounds: InboundView[] = [];
  for (const inbound of networking.inbound ?? []) {
    const tags = inbound.tags ?? {};
    const service = tags[Tags.service];
    const port = inbound.port ?? 0;
    // Kuma leaves `Ignored` inbounds out of everything.
    if (service === undefined || port === 0 || inbound.state === 'Ignored') continue;
    const address = nonEmpty(inbound.address) ?? dpAddress;
    inbounds.push({
      address,
      port,
      reachableAddress: nonEmpty(inbound.address) ?? nonEmpty(networking.advertisedAddress) ?? dpAddress,
      serviceAddress: nonEmpty(inbound.serviceAddress) ?? defaultServiceAddress,
      servicePort:
        inbound.servicePort !== undefined && inbound.servicePort !== 0 ? inbound.servicePort : port,
      tags: { ...tags },
      service,
      healthy: inbound.health?.ready !== false && inbound.state !== 'NotReady',
    });
  }
  const outbounds: OutboundView[] = [];
  for (const outbound of networking.outbound ?? []) {
    const tags = outbound.tags ?? {};
    const service = tags[Tags.service] ?? nonEmpty(outbound.service);
    const port = outbound.port ?? 0;
    if (service === undefined || port === 0 || outbound.backendRef !== undefined) continue;
    outbounds.push({
      address: nonEmpty(outbound.address) ?? defaultOutboundAddress,
      port,
      service,
      tags: { ...tags, [Tags.service]: service },
    });
  }
  const gatewayTags = networking.gateway?.tags;
  const sourceTags =
    inbounds.length > 0
      ? inbounds.map((inbound) => inbound.tags)
      : gatewayTags === undefined
        ? []
        : [gatewayTags];
  return { mesh, name: resource.meta.name, inbounds, outbounds, sourceTags };
}

/** A ZoneIngress as discovery uses it. */
export interface ZoneIngressView {
  readonly name: string;
  /** The zone it belongs to: its `kuma.io/zone` label, else `spec.zone`; undefined when neither is set. */
  readonly zone: string | undefined;
  readonly advertisedAddress: string | undefined;
  readonly advertisedPort: number | undefined;
  readonly availableServices: readonly AvailableService[];
}

/** Reads a stored ZoneIngress. Throws `InvalidInput` when the spec does not parse. */
export function readZoneIngress(resource: Resource): ZoneIngressView {
  const parsed = ZoneIngressSpecSchema.safeParse(resource.spec);
  if (!parsed.success) {
    throw new MeshError('InvalidInput', `ZoneIngress ${resource.meta.name} cannot be read`, {
      cause: parsed.error,
    });
  }
  const spec = parsed.data;
  const networking = spec.networking ?? {};
  return {
    name: resource.meta.name,
    zone: nonEmpty(resource.meta.labels[Labels.zone]) ?? nonEmpty(spec.zone),
    advertisedAddress: nonEmpty(networking.advertisedAddress),
    advertisedPort: networking.advertisedPort === 0 ? undefined : networking.advertisedPort,
    availableServices: spec.availableServices ?? [],
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The tags of every inbound of a Dataplane that serves a service (`Ignored` ones included): what
 * its workload certificate's SANs are computed from. Throws `InvalidInput` like {@link readDataplane}.
 */
export function inboundTagsOf(resource: Resource): Readonly<Record<string, string>>[] {
  const parsed = DataplaneSpecSchema.safeParse(resource.spec);
  if (!parsed.success) {
    throw new MeshError(
      'InvalidInput',
      `Dataplane ${resource.meta.mesh ?? ''}/${resource.meta.name} cannot be read`,
      {
        cause: parsed.error,
      },
    );
  }
  return (parsed.data.networking?.inbound ?? [])
    .map((inbound) => inbound.tags ?? {})
    .filter((tags) => tags[Tags.service] !== undefined);
}
