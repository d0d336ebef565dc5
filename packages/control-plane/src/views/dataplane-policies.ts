/**
 * `GET /meshes/{mesh}/dataplanes/{name}/policies` (Kuma's inspect path; `zmctl inspect dataplane`):
 * which policies apply to each inbound and outbound of one Dataplane, answered by
 * `@zonemesh/policy` — the same engine that decides traffic — with a reason per kind.
 *
 * The answer keeps Kuma's shape (`{total, kind, items: [{type, name, matchedPolicies}]}` with the
 * matched policies in Universal form) and adds `service`, `tags` and `reasons` per item, and
 * `mesh`, `name`, `mtls` at the top. Matching is shown even when the mesh has mTLS off (as Kuma's
 * inspect does); `mtls: false` then says permissions are not enforced.
 */
import {
  type DataplaneStatus,
  isMtlsEnabled,
  MeshSpecSchema,
  toUniversal,
  type Resource,
} from '@zonemesh/api';
import { createPolicyEngine, type PolicyEngine } from '@zonemesh/policy';

/** Policy kinds that attach to a Dataplane's inbounds and outbounds. */
export const dataplanePolicyKinds = [
  'TrafficPermission',
  'MeshTrafficPermission',
  'TrafficRoute',
  'HealthCheck',
  'MeshHealthCheck',
] as const;

/** One of {@link dataplanePolicyKinds}. */
export type DataplanePolicyKind = (typeof dataplanePolicyKinds)[number];

/** One attachment point (Kuma's `DataplaneInspectEntry`) with zonemesh's explanations. */
export interface PolicyAttachment {
  readonly type: 'inbound' | 'outbound';
  /** `address:port:servicePort` for an inbound, `address:port` for an outbound (as Kuma names them). */
  readonly name: string;
  readonly service: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Kind -> the matching policies in Universal form (Kuma's shape). Kinds that match nothing are left out. */
  readonly matchedPolicies: Readonly<Partial<Record<DataplanePolicyKind, readonly unknown[]>>>;
  /** Kind -> why these policies (or none) apply, one sentence each. */
  readonly reasons: Readonly<Partial<Record<DataplanePolicyKind, string>>>;
}

/** The whole answer. */
export interface DataplanePolicies {
  readonly total: number;
  readonly kind: 'SidecarDataplane';
  readonly mesh: string;
  readonly name: string;
  readonly zone: string;
  /** Whether the mesh enforces permissions (mTLS on). */
  readonly mtls: boolean;
  readonly items: readonly PolicyAttachment[];
}

/**
 * Works out the attachments of one Dataplane from its mesh's policies. Pure and synchronous; a
 * policy the engine refuses (it never stores one) is left out rather than failing the answer.
 */
export function inspectDataplanePolicies(input: {
  readonly dataplane: DataplaneStatus;
  readonly mesh: Resource;
  readonly policies: readonly Resource[];
}): DataplanePolicies {
  const { dataplane } = input;
  const meshName = input.mesh.meta.name;
  const byKey = new Map(input.policies.map((policy) => [`${policy.type}/${policy.meta.name}`, policy]));
  const universal = (type: string, name: string): unknown[] => {
    const resource = byKey.get(`${type}/${name}`);
    return resource === undefined ? [] : [toUniversal(resource)];
  };
  // mTLS counts as on for matching, so the answer shows what would apply; `mtls` says whether it does.
  const everything = engineWith(meshName, input.policies);
  const byName = new Map(
    input.policies.filter((policy) => policy.type === 'MeshTrafficPermission').map((p) => [p.meta.name, p]),
  );

  const items: PolicyAttachment[] = [];
  for (const inbound of dataplane.inbounds) {
    const matchedPolicies: Partial<Record<DataplanePolicyKind, unknown[]>> = {};
    const reasons: Partial<Record<DataplanePolicyKind, string>> = {};
    // The MeshTrafficPermissions selecting the inbound are the ones its permission rules come from
    // (every MTP has at least one from item), in the engine's merge order.
    const permissions = everything.inboundPermissions(inbound.tags);
    const selectingNames = new Set(
      (permissions?.rules ?? []).flatMap((rule) =>
        rule.policy?.type === 'MeshTrafficPermission' ? [rule.policy.name] : [],
      ),
    );
    const selecting = [...selectingNames].flatMap((name) => {
      const policy = byName.get(name);
      return policy === undefined ? [] : [policy];
    });
    if (selecting.length > 0) {
      matchedPolicies.MeshTrafficPermission = selecting.map((policy) => toUniversal(policy));
      const names = selecting.map((policy) => policy.meta.name).join(', ');
      reasons.MeshTrafficPermission = `${selecting.length === 1 ? 'it selects' : 'they select'} this inbound (${names}): their from rules decide who may connect, and TrafficPermissions are not consulted`;
    } else {
      const decision = everything.decideTraffic({ source: {}, destination: inbound.tags });
      if (decision.policy === null) {
        reasons.TrafficPermission =
          'no TrafficPermission or MeshTrafficPermission selects this inbound: every connection is denied';
      } else {
        matchedPolicies.TrafficPermission = universal('TrafficPermission', decision.policy.name);
        const selection = decision.reason.split('; ')[0] ?? decision.reason;
        reasons.TrafficPermission = `${selection.replace(/the destination/g, 'this inbound')}: its sources decide who may connect`;
      }
    }
    items.push({
      type: 'inbound',
      name: inbound.name,
      service: inbound.service,
      tags: inbound.tags,
      matchedPolicies,
      reasons,
    });
  }

  const source = dataplane.inbounds.map((inbound) => inbound.tags);
  for (const outbound of dataplane.outbounds) {
    const matchedPolicies: Partial<Record<DataplanePolicyKind, unknown[]>> = {};
    const reasons: Partial<Record<DataplanePolicyKind, string>> = {};
    const route = everything.selectTrafficRoute(source, outbound.service);
    reasons.TrafficRoute = route.reason;
    if (route.policy !== null) matchedPolicies.TrafficRoute = universal('TrafficRoute', route.policy.name);
    const healthCheck = everything.selectHealthCheck(source, outbound.service);
    reasons.HealthCheck = healthCheck.reason;
    if (healthCheck.policy !== null)
      matchedPolicies.HealthCheck = universal('HealthCheck', healthCheck.policy.name);
    const meshHealthCheck = everything.resolveMeshHealthCheck(source, outbound.tags);
    reasons.MeshHealthCheck = meshHealthCheck.reason;
    if (meshHealthCheck.policies.length > 0) {
      matchedPolicies.MeshHealthCheck = meshHealthCheck.policies.flatMap((ref) =>
        universal('MeshHealthCheck', ref.name),
      );
    }
    items.push({
      type: 'outbound',
      name: outbound.name,
      service: outbound.service,
      tags: outbound.tags,
      matchedPolicies,
      reasons,
    });
  }

  return {
    total: items.length,
    kind: 'SidecarDataplane',
    mesh: meshName,
    name: dataplane.name,
    zone: dataplane.zone,
    mtls: meshEnablesMtls(input.mesh),
    items,
  };
}

function engineWith(mesh: string, policies: readonly Resource[]): PolicyEngine {
  const engine = createPolicyEngine({ mesh, mtlsEnabled: true });
  for (const policy of policies) {
    try {
      engine.upsert(policy);
    } catch {
      // Stored policies passed validation; one the engine still refuses matches nothing.
    }
  }
  return engine;
}

function meshEnablesMtls(mesh: Resource): boolean {
  const parsed = MeshSpecSchema.safeParse(mesh.spec);
  return parsed.success && isMtlsEnabled(parsed.data);
}
