/**
 * Resource builders for tests: short calls that produce valid `NewResource`s in Kuma's shapes, so
 * tests state only what matters to them.
 */
import { type NewResource, Tags } from '@zonemesh/api';

/** Tag selector (`{'kuma.io/service': 'web'}`); a plain string means that service. */
export type SelectorInput = string | Readonly<Record<string, string>>;

function selector(input: SelectorInput): Record<string, string> {
  return typeof input === 'string' ? { [Tags.service]: input } : { ...input };
}

function meta(name: string, mesh: string | undefined, labels: Readonly<Record<string, string>> | undefined) {
  return {
    name,
    ...(mesh === undefined ? {} : { mesh }),
    ...(labels === undefined ? {} : { labels: { ...labels } }),
  };
}

/** Extra metadata any builder accepts. */
export interface BuilderOptions {
  readonly labels?: Readonly<Record<string, string>>;
}

/** A Mesh; `spec` defaults to `{}` (no mTLS). */
export function mesh(
  name: string,
  spec: Record<string, unknown> = {},
  options: BuilderOptions = {},
): NewResource {
  return { type: 'Mesh', meta: meta(name, undefined, options.labels), spec };
}

/** A Zone, enabled unless `enabled` is false. */
export function zone(name: string, enabled = true, options: BuilderOptions = {}): NewResource {
  return { type: 'Zone', meta: meta(name, undefined, options.labels), spec: { enabled } };
}

/** Old-style TrafficPermission: `sources:[{match: src}]`, `destinations:[{match: dst}]`. */
export function trafficPermission(
  name: string,
  meshName: string,
  src: SelectorInput,
  dst: SelectorInput,
  options: BuilderOptions = {},
): NewResource {
  return {
    type: 'TrafficPermission',
    meta: meta(name, meshName, options.labels),
    spec: { sources: [{ match: selector(src) }], destinations: [{ match: selector(dst) }] },
  };
}

/** Old-style HealthCheck with an interval/timeout/threshold `conf` (override with `conf`). */
export function healthCheck(
  name: string,
  meshName: string,
  src: SelectorInput,
  dst: SelectorInput,
  conf: Record<string, unknown> = {
    interval: '10s',
    timeout: '2s',
    unhealthyThreshold: 3,
    healthyThreshold: 1,
  },
  options: BuilderOptions = {},
): NewResource {
  return {
    type: 'HealthCheck',
    meta: meta(name, meshName, options.labels),
    spec: { sources: [{ match: selector(src) }], destinations: [{ match: selector(dst) }], conf },
  };
}

/** Old-style TrafficRoute sending everything from `src` to `dst` to one destination. */
export function trafficRoute(
  name: string,
  meshName: string,
  src: SelectorInput,
  dst: SelectorInput,
  options: BuilderOptions = {},
): NewResource {
  return {
    type: 'TrafficRoute',
    meta: meta(name, meshName, options.labels),
    spec: {
      sources: [{ match: selector(src) }],
      destinations: [{ match: selector(dst) }],
      conf: { destination: selector(dst) },
    },
  };
}

/** MeshTrafficPermission targeting a service (or the whole Mesh when `target` is omitted). */
export function meshTrafficPermission(
  name: string,
  meshName: string,
  from: string,
  action: 'Allow' | 'Deny' | 'AllowWithShadowDeny' = 'Allow',
  target?: string,
  options: BuilderOptions = {},
): NewResource {
  return {
    type: 'MeshTrafficPermission',
    meta: meta(name, meshName, options.labels),
    spec: {
      targetRef: target === undefined ? { kind: 'Mesh' } : { kind: 'MeshService', name: target },
      from: [{ targetRef: { kind: 'MeshService', name: from }, default: { action } }],
    },
  };
}

/** One inbound of a Dataplane. */
export interface InboundInput {
  readonly port: number;
  readonly servicePort?: number;
  /** Must include `kuma.io/service`; a string means just that service. */
  readonly tags: SelectorInput;
}

export interface DataplaneInput extends BuilderOptions {
  readonly name: string;
  readonly mesh: string;
  readonly address: string;
  readonly inbound: readonly InboundInput[];
}

/** A Dataplane: `{networking: {address, inbound: [{port, servicePort, tags}]}}`. */
export function dataplane(input: DataplaneInput): NewResource {
  return {
    type: 'Dataplane',
    meta: meta(input.name, input.mesh, input.labels),
    spec: {
      networking: {
        address: input.address,
        inbound: input.inbound.map((inbound) => ({
          port: inbound.port,
          ...(inbound.servicePort === undefined ? {} : { servicePort: inbound.servicePort }),
          tags: selector(inbound.tags),
        })),
      },
    },
  };
}

export interface ZoneIngressInput extends BuilderOptions {
  readonly name: string;
  readonly zone: string;
  readonly address: string;
  readonly port: number;
  readonly advertisedAddress?: string;
  readonly advertisedPort?: number;
  readonly availableServices?: readonly {
    readonly tags: Readonly<Record<string, string>>;
    readonly instances?: number;
    readonly mesh?: string;
  }[];
}

/** A ZoneIngress of `zone`: `{zone, networking: {address, port, advertised*}, availableServices}`. */
export function zoneIngress(input: ZoneIngressInput): NewResource {
  return {
    type: 'ZoneIngress',
    meta: meta(input.name, undefined, input.labels),
    spec: {
      zone: input.zone,
      networking: {
        address: input.address,
        port: input.port,
        ...(input.advertisedAddress === undefined ? {} : { advertisedAddress: input.advertisedAddress }),
        ...(input.advertisedPort === undefined ? {} : { advertisedPort: input.advertisedPort }),
      },
      availableServices: (input.availableServices ?? []).map((service) => ({
        ...service,
        tags: { ...service.tags },
      })),
    },
  };
}
