/** TrafficPermission: which sources may reach the inbounds its destinations select (mTLS only). */
import type * as z from 'zod';
import { FieldPath } from '../field-path.js';
import { selectorListsShape } from '../selector.js';
import { checkSelectorList } from '../tag-rules.js';
import { protoObject } from '../wire-types.js';
import { defineKind } from './kind-definition.js';

/** `{sources, destinations}`; any tags on both sides (`kuma.io/service` not required since Kuma 1.2). */
export const TrafficPermissionSpecSchema = protoObject({ ...selectorListsShape });

/** The parsed TrafficPermission spec. */
export type TrafficPermissionSpec = z.infer<typeof TrafficPermissionSpecSchema>;

const anySelector = { requireAtLeastOneSelector: true, requireAtLeastOneTag: true } as const;

/** TrafficPermission's descriptor: mesh-scoped, written on global, copied to zones. */
export const trafficPermissionKind = defineKind({
  type: 'TrafficPermission',
  scope: 'mesh',
  origin: 'global',
  sync: 'global-to-zones',
  plural: 'traffic-permissions',
  cliNames: ['trafficpermission', 'traffic-permission', 'tp'],
  universalLayout: 'inline',
  schema: TrafficPermissionSpecSchema,
  check(spec, out) {
    checkSelectorList(FieldPath.at('sources'), spec.sources, anySelector, out);
    checkSelectorList(FieldPath.at('destinations'), spec.destinations, anySelector, out);
  },
});
