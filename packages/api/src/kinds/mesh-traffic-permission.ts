/**
 * MeshTrafficPermission: for the inbounds its top-level `targetRef` selects, the action of the last
 * `from[]` item matching the client decides (Allow, Deny, AllowWithShadowDeny).
 */
import * as z from 'zod';
import { FieldPath } from '../field-path.js';
import { TargetRefSchema, checkTargetRef } from '../target-ref.js';
import { list, structObject } from '../wire-types.js';
import { defineKind } from './kind-definition.js';

/** What a `from[]` item does with the clients it matches. */
export const trafficActions = ['Allow', 'Deny', 'AllowWithShadowDeny'] as const;

/** An MTP action. */
export type TrafficAction = (typeof trafficActions)[number];

/** One `from[]` item: the clients it matches and the action for them. */
export const MeshTrafficPermissionFromSchema = structObject({
  targetRef: TargetRefSchema.optional(),
  default: structObject({
    action: z.enum(trafficActions, { error: `must be one of: ${trafficActions.join(', ')}` }).optional(),
  }).optional(),
});

/** What sits under `spec:`. A missing top-level `targetRef` means `kind: Mesh` (Kuma 2.9+). */
export const MeshTrafficPermissionSpecSchema = structObject({
  targetRef: TargetRefSchema.optional(),
  from: list(MeshTrafficPermissionFromSchema).optional(),
});

/** A parsed `from[]` item. */
export type MeshTrafficPermissionFrom = z.infer<typeof MeshTrafficPermissionFromSchema>;
/** The parsed MeshTrafficPermission spec (what sits under `spec:`). */
export type MeshTrafficPermissionSpec = z.infer<typeof MeshTrafficPermissionSpecSchema>;

/** MeshTrafficPermission's descriptor: mesh-scoped, written on global, copied to zones. */
export const meshTrafficPermissionKind = defineKind({
  type: 'MeshTrafficPermission',
  scope: 'mesh',
  origin: 'global',
  sync: 'global-to-zones',
  plural: 'meshtrafficpermissions',
  cliNames: ['meshtrafficpermission', 'mesh-traffic-permission', 'mtp'],
  universalLayout: 'nested',
  schema: MeshTrafficPermissionSpecSchema,
  check(spec, out) {
    const path = FieldPath.at('spec');
    if (spec.targetRef !== undefined) {
      checkTargetRef(
        path.field('targetRef'),
        spec.targetRef,
        {
          supportedKinds: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'],
          isInboundPolicy: true,
        },
        out,
      );
    }
    const from = spec.from ?? [];
    if (from.length === 0) out.add(path, "at least one of 'from' or 'rules' has to be defined");
    from.forEach((item, i) => {
      const at = path.field('from').index(i);
      checkTargetRef(
        at.field('targetRef'),
        item.targetRef ?? {},
        { supportedKinds: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset'] },
        out,
      );
      if (item.default?.action === undefined) out.add(at.field('default').field('action'), 'must be defined');
    });
  },
});
