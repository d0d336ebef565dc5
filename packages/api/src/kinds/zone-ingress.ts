/**
 * ZoneIngress: the entry point of a zone for traffic from other zones. Other zones reach it at
 * `advertisedAddress:advertisedPort`; `availableServices` (filled by the zone control plane) says
 * which services, with how many healthy instances, are behind it.
 */
import type * as z from 'zod';
import { FieldPath } from '../field-path.js';
import { checkAddress, checkPort } from '../network-address.js';
import { checkTags } from '../tag-rules.js';
import { bool, list, protoObject, str, stringMap, uint32 } from '../wire-types.js';
import { defineKind } from './kind-definition.js';

/** One service reachable through the ingress, per mesh and tag set. */
export const AvailableServiceSchema = protoObject({
  tags: stringMap().optional(),
  instances: uint32().optional(),
  mesh: str().optional(),
  externalService: bool().optional(),
});

/** The ingress's local listener and the address other zones reach it at. */
export const ZoneIngressNetworkingSchema = protoObject({
  address: str().optional(),
  advertisedAddress: str().optional(),
  port: uint32().optional(),
  advertisedPort: uint32().optional(),
  admin: protoObject({ port: uint32().optional() }).optional(),
});

/** The ZoneIngress spec (inline in Universal form). */
export const ZoneIngressSpecSchema = protoObject({
  /** The zone the ingress belongs to; set by the zone control plane. */
  zone: str().optional(),
  networking: ZoneIngressNetworkingSchema.optional(),
  availableServices: list(AvailableServiceSchema).optional(),
});

/** A parsed available service. */
export type AvailableService = z.infer<typeof AvailableServiceSchema>;
/** The parsed ZoneIngress spec. */
export type ZoneIngressSpec = z.infer<typeof ZoneIngressSpecSchema>;

/** ZoneIngress's descriptor: global-scoped, written in a zone, copied to global and on to the other zones. */
export const zoneIngressKind = defineKind({
  type: 'ZoneIngress',
  scope: 'global',
  origin: 'zone',
  sync: 'zone-to-global-to-zones',
  plural: 'zoneingresses',
  cliNames: ['zoneingress', 'zone-ingress', 'zi'],
  universalLayout: 'inline',
  schema: ZoneIngressSpecSchema,
  check(spec, out) {
    const path = FieldPath.at('networking');
    const networking = spec.networking ?? {};
    const advertisedAddress = networking.advertisedAddress ?? '';
    const advertisedPort = networking.advertisedPort ?? 0;
    if (advertisedAddress === '' && advertisedPort !== 0) {
      out.add(path.field('advertisedAddress'), 'has to be defined with advertisedPort');
    }
    if (advertisedPort === 0 && advertisedAddress !== '') {
      out.add(path.field('advertisedPort'), 'has to be defined with advertisedAddress');
    }
    if ((networking.address ?? '') !== '') checkAddress(path.field('address'), networking.address ?? '', out);
    if (advertisedAddress !== '') checkAddress(path.field('advertisedAddress'), advertisedAddress, out);
    checkPort(path.field('port'), networking.port, out);
    if (advertisedPort !== 0) checkPort(path.field('advertisedPort'), advertisedPort, out);
    (spec.availableServices ?? []).forEach((service, i) => {
      checkTags(
        FieldPath.at('availableService').index(i).field('tags'),
        service.tags ?? {},
        { requireService: true },
        out,
      );
    });
  },
});
