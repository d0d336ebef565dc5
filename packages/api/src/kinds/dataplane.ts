/**
 * Dataplane: one proxy next to a workload. Its inbounds are what it serves (tagged with at least
 * `kuma.io/service`), its outbounds what the workload calls through it.
 */
import * as z from 'zod';
import { parseGoDuration } from '../duration.js';
import { FieldPath, type Violations } from '../field-path.js';
import { checkAddress, checkPort, isIP } from '../network-address.js';
import { Tags } from '../resource.js';
import { checkTags } from '../tag-rules.js';
import {
  JsonObjectSchema,
  bool,
  duration,
  list,
  protoObject,
  str,
  stringMap,
  uint32,
} from '../wire-types.js';
import { defineKind } from './kind-definition.js';

/** Values of `kuma.io/protocol`, in the order Kuma lists them. */
export const supportedProtocols = ['grpc', 'http', 'http2', 'kafka', 'tcp'] as const;

/** A `kuma.io/protocol` value. */
export type Protocol = (typeof supportedProtocols)[number];

/** One served port. Traffic arriving on `port` is forwarded to `serviceAddress:servicePort`. */
export const InboundSchema = protoObject({
  port: uint32().optional(),
  servicePort: uint32().optional(),
  serviceAddress: str().optional(),
  address: str().optional(),
  name: str().optional(),
  tags: stringMap().optional(),
  serviceProbe: protoObject({
    interval: duration().optional(),
    timeout: duration().optional(),
    unhealthyThreshold: uint32().optional(),
    healthyThreshold: uint32().optional(),
    tcp: JsonObjectSchema.optional(),
  }).optional(),
  state: z
    .enum(['Ready', 'NotReady', 'Ignored'], { error: 'must be one of: Ready, NotReady, Ignored' })
    .optional(),
  /** Reported by the sidecar: whether the app behind this inbound answers its probe. */
  health: protoObject({ ready: bool().optional() }).optional(),
});

/** One local listener for a called service: `tags` (legacy) or `backendRef` (Kuma 2.9+). */
export const OutboundSchema = protoObject({
  port: uint32().optional(),
  address: str().optional(),
  tags: stringMap().optional(),
  service: str().optional(),
  backendRef: protoObject({
    kind: str().optional(),
    name: str().optional(),
    port: uint32().optional(),
    labels: stringMap().optional(),
  }).optional(),
});

/** The Dataplane's `networking`: its address, inbounds, outbounds or gateway. */
export const DataplaneNetworkingSchema = protoObject({
  address: str().optional(),
  advertisedAddress: str().optional(),
  inbound: list(InboundSchema).optional(),
  outbound: list(OutboundSchema).optional(),
  gateway: protoObject({
    type: z.enum(['DELEGATED', 'BUILTIN'], { error: 'must be one of: DELEGATED, BUILTIN' }).optional(),
    tags: stringMap().optional(),
  }).optional(),
  transparentProxying: JsonObjectSchema.optional(),
  admin: protoObject({ port: uint32().optional() }).optional(),
});

/** The Dataplane spec (inline in Universal form). `probes` and `metrics` are kept as written. */
export const DataplaneSpecSchema = protoObject({
  networking: DataplaneNetworkingSchema.optional(),
  probes: JsonObjectSchema.optional(),
  metrics: JsonObjectSchema.optional(),
});

/** One parsed inbound. */
export type Inbound = z.infer<typeof InboundSchema>;
/** One parsed outbound. */
export type Outbound = z.infer<typeof OutboundSchema>;
/** Parsed `networking`. */
export type DataplaneNetworking = z.infer<typeof DataplaneNetworkingSchema>;
/** The parsed Dataplane spec. */
export type DataplaneSpec = z.infer<typeof DataplaneSpecSchema>;

const backendRefKinds = ['MeshExternalService', 'MeshMultiZoneService', 'MeshService'];

function checkInbound(path: FieldPath, inbound: Inbound, dpAddress: string, out: Violations): void {
  checkPort(path.field('port'), inbound.port, out);
  if ((inbound.servicePort ?? 0) !== 0) checkPort(path.field('servicePort'), inbound.servicePort, out);
  const servicePortClashes = (inbound.servicePort ?? 0) === 0 || inbound.servicePort === inbound.port;
  const serviceAddress = inbound.serviceAddress ?? '';
  if (serviceAddress !== '') {
    if (!isIP(serviceAddress))
      out.add(path.field('serviceAddress'), 'serviceAddress has to be valid IP address');
    if (serviceAddress === dpAddress && servicePortClashes) {
      out.add(
        path.field('serviceAddress'),
        'serviceAddress and servicePort has to differ from address and port',
      );
    }
  }
  const address = inbound.address ?? '';
  if (address !== '') {
    if (!isIP(address)) out.add(path.field('address'), 'address has to be valid IP address');
    if (address === serviceAddress && servicePortClashes) {
      out.add(
        path.field('serviceAddress'),
        'serviceAddress and servicePort has to differ from address and port',
      );
    }
  }
  checkTags(
    path.field('tags'),
    inbound.tags ?? {},
    {
      mapRules: [
        (at, tags, found) => {
          const protocol = tags[Tags.protocol];
          if (protocol !== undefined && !(supportedProtocols as readonly string[]).includes(protocol)) {
            found.add(
              at.key(Tags.protocol),
              `tag "${Tags.protocol}" has an invalid value "${protocol}". Allowed values: ${supportedProtocols.join(', ')}`,
            );
          }
        },
      ],
    },
    out,
  );
  const probe = inbound.serviceProbe;
  if (probe !== undefined) {
    const at = path.field('serviceProbe');
    for (const field of ['interval', 'timeout'] as const) {
      if (probe[field] !== undefined && parseGoDuration(probe[field]) === 0) {
        out.add(at.field(field), 'must have a positive value');
      }
    }
    for (const field of ['unhealthyThreshold', 'healthyThreshold'] as const) {
      if (probe[field] === 0) out.add(at.field(field), 'must have a positive value');
    }
  }
}

function checkOutbound(path: FieldPath, outbound: Outbound, out: Violations): void {
  checkPort(path.field('port'), outbound.port, out);
  if ((outbound.address ?? '') !== '' && !isIP(outbound.address ?? '')) {
    out.add(path.field('address'), 'address has to be valid IP address');
  }
  const ref = outbound.backendRef;
  const tags = outbound.tags ?? {};
  if (ref !== undefined) {
    if (!backendRefKinds.includes(ref.kind ?? '')) {
      out.add(
        path.field('backendRef.kind'),
        `invalid value. Available values are: ${backendRefKinds.join(',')}`,
      );
    }
    if ((ref.name ?? '') === '' && Object.keys(ref.labels ?? {}).length === 0) {
      out.add(path.field('backendRef'), "either 'name' or 'labels' should be specified");
    }
    if (ref.kind !== 'MeshExternalService') checkPort(path.field('backendRef').field('port'), ref.port, out);
  } else if (Object.keys(tags).length === 0) {
    if ((outbound.service ?? '') === '')
      out.add(path.field('tags'), `mandatory tag "${Tags.service}" is missing`);
  } else {
    checkTags(path.field('tags'), tags, { requireService: true }, out);
  }
  if (ref !== undefined && (Object.keys(tags).length > 0 || (outbound.service ?? '') !== '')) {
    out.add(path.field('backendRef'), 'both backendRef and tags/service cannot be defined');
  }
}

function checkNetworking(networking: DataplaneNetworking, out: Violations): void {
  const path = FieldPath.at('networking');
  const address = networking.address ?? '';
  checkAddress(path, address, out);
  (networking.inbound ?? []).forEach((inbound, i) => {
    const at = path.field('inbound').index(i);
    checkInbound(at, inbound, address, out);
    if (!Object.hasOwn(inbound.tags ?? {}, Tags.service))
      out.add(at.field('tags').key(Tags.service), 'tag has to exist');
  });
  (networking.outbound ?? []).forEach((outbound, i) =>
    checkOutbound(path.field('outbound').index(i), outbound, out),
  );
}

/** Dataplane's descriptor: mesh-scoped, written in zones, copied up to global. */
export const dataplaneKind = defineKind({
  type: 'Dataplane',
  scope: 'mesh',
  origin: 'zone',
  sync: 'zone-to-global',
  plural: 'dataplanes',
  cliNames: ['dataplane', 'dp'],
  universalLayout: 'inline',
  schema: DataplaneSpecSchema,
  check(spec, out) {
    const path = FieldPath.at('networking');
    const networking = spec.networking;
    if (networking === undefined) {
      out.add(path, 'must be defined');
      return;
    }
    const gateway = networking.gateway;
    const inbounds = networking.inbound ?? [];
    if (gateway !== undefined) {
      const builtin = gateway.type === 'BUILTIN';
      if (inbounds.length > 0) {
        out.add(
          path.field('inbound'),
          builtin
            ? 'inbound cannot be defined for builtin gateways'
            : 'inbound cannot be defined for delegated gateways',
        );
      }
      if (builtin && (networking.outbound ?? []).length > 0) {
        out.add(path.field('outbound'), 'outbound cannot be defined for builtin gateways');
      }
      checkTags(
        path.field('gateway').field('tags'),
        gateway.tags ?? {},
        {
          requireService: true,
          mapRules: [
            (at, tags, found) => {
              const protocol = tags[Tags.protocol];
              if (protocol !== undefined && protocol !== 'tcp') {
                found.add(
                  at.key(Tags.protocol),
                  `other values than tcp are not allowed, provided value "${protocol}"`,
                );
              }
            },
          ],
        },
        out,
      );
    } else if (inbounds.length === 0) {
      out.add(path, 'has to contain at least one inbound interface or gateway');
    }
    checkNetworking(networking, out);
  },
});
