/**
 * The permission rules of one inbound, as the dataplane protocol sends them to its sidecar
 * (`ProxyConfig.inbounds[].permissions`): the LAST rule whose `match` the client carries wins, no
 * match denies, a `*` value imposes no condition and `{}` matches everyone. The client carries a
 * tag value when any of its inbounds has it (its certificate holds the union of their tags).
 *
 * Both engines find the governing policies their own way (the winning TrafficPermission, or the
 * MeshTrafficPermissions selecting the inbound in merge order) and hand them to these functions,
 * so equal findings give equal rules. {@link permissionVerdict} is the sidecar's evaluation.
 *
 * For every client carrying `kuma.io/service` (every workload certificate does) the rules decide
 * exactly as `decideTraffic`, except for two `from[]` shapes one tag map cannot say:
 * - a `*` value on a tag other than `kuma.io/service` in a MeshSubset/MeshServiceSubset item: the
 *   engine requires the tag to be present with any value, the rule imposes no condition (Kuma's
 *   validation allows `*` only in MeshServiceSubset tags);
 * - a MeshServiceSubset whose tags name another `kuma.io/service` than its `name`: it covers only
 *   clients serving both services, so it is left out of the rules.
 */
import type { InboundPermissions, PermissionRule } from '@zonemesh/api';
import type { CompiledTargetRef, LegacyPolicy, TargetRefPolicy } from './compiled-policy.js';
import type { TrafficVerdict } from './engine.js';
import { clientIdentity, type Tags, wildcard } from './selector.js';
import { serviceTag } from './target-ref.js';

/**
 * The rules of the TrafficPermission that won the inbound: one `Allow` per `sources[]` entry (any
 * matching entry allows). No winner: no rules, so everyone is denied.
 */
export function trafficPermissionRules(winner: LegacyPolicy | undefined): InboundPermissions {
  if (winner === undefined) return { policy: null, rules: [] };
  const policy = { type: winner.ref.type, name: winner.ref.name };
  const rules: PermissionRule[] = winner.sources.map((source) => ({
    match: { ...source.tags },
    action: 'Allow',
    policy: { ...policy },
  }));
  return { policy, rules };
}

/**
 * The rules of the MeshTrafficPermissions selecting the inbound, given weakest first (merge
 * order, at least one): their `from[]` items concatenated in that order, each naming its policy.
 * The last one covering the client decides, as in `decideTraffic`; the inbound's `policy` is the
 * strongest selecting one.
 */
export function meshTrafficPermissionRules(selecting: readonly TargetRefPolicy[]): InboundPermissions {
  const rules: PermissionRule[] = [];
  for (const policy of selecting) {
    for (const item of policy.from) {
      const match = clientMatch(item.targetRef);
      if (match === undefined || item.action === undefined) continue;
      rules.push({ match, action: item.action, policy: { type: policy.ref.type, name: policy.ref.name } });
    }
  }
  const strongest = selecting.at(-1);
  return {
    policy: strongest === undefined ? null : { type: strongest.ref.type, name: strongest.ref.name },
    rules,
  };
}

/**
 * How a sidecar evaluates an inbound's permissions for a client (its tags: one map, or one per
 * inbound, whose union is its identity). `null` permissions (mTLS off) allow everyone.
 */
export function permissionVerdict(
  permissions: InboundPermissions | null,
  client: Tags | readonly Tags[],
): TrafficVerdict {
  if (permissions === null) return 'ALLOW';
  const { values } = clientIdentity(client);
  const carries = (match: Tags): boolean =>
    Object.entries(match).every(([key, value]) => value === wildcard || values.get(key)?.has(value) === true);
  for (let at = permissions.rules.length - 1; at >= 0; at--) {
    const rule = permissions.rules[at];
    if (rule === undefined || !carries(rule.match)) continue;
    if (rule.action === 'Allow') return 'ALLOW';
    return rule.action === 'Deny' ? 'DENY' : 'SHADOW';
  }
  return 'DENY';
}

/**
 * The tags a `from[]` targetRef requires of a client, or undefined when no tag map says it (see
 * the module comment) or it covers no one (a MeshService without a name).
 */
function clientMatch(ref: CompiledTargetRef): Record<string, string> | undefined {
  switch (ref.kind) {
    case 'Mesh':
      return {};
    case 'MeshService':
      return ref.name === undefined ? undefined : { [serviceTag]: ref.name };
    case 'MeshSubset':
      return { ...ref.tags };
    case 'MeshServiceSubset': {
      if (ref.name === undefined) return undefined;
      const tagged = ref.tags[serviceTag];
      if (tagged !== undefined && tagged !== wildcard && tagged !== ref.name) return undefined;
      return { ...ref.tags, [serviceTag]: ref.name };
    }
    default:
      // Other kinds are refused in `from[]` when compiling; they would cover no client.
      return undefined;
  }
}
