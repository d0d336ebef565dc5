/** Zone: a member of the federation, known to the global control plane. */
import type * as z from 'zod';
import { bool, protoObject } from '../wire-types.js';
import { defineKind } from './kind-definition.js';

/** `enabled` unset means enabled (Kuma's BoolValue with a nil default). */
export const ZoneSpecSchema = protoObject({ enabled: bool().optional() });

/** The parsed Zone spec. */
export type ZoneSpec = z.infer<typeof ZoneSpecSchema>;

/** Whether the zone takes part in the federation. */
export function isZoneEnabled(spec: ZoneSpec): boolean {
  return spec.enabled !== false;
}

/** Zone's descriptor: global-scoped, written on global, copied to zones. */
export const zoneKind = defineKind({
  type: 'Zone',
  scope: 'global',
  origin: 'global',
  sync: 'global-to-zones',
  plural: 'zones',
  cliNames: ['zone'],
  universalLayout: 'inline',
  schema: ZoneSpecSchema,
  check() {},
});
