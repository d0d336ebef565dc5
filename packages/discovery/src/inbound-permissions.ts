/**
 * The permission rules of one inbound, as a sidecar evaluates them: the LAST rule whose `match`
 * the client carries wins, no match denies. The policy engine decides which family governs the
 * inbound and which TrafficPermission wins; this module turns the governing policies into rules.
 *
 * - A TrafficPermission becomes one `Allow` rule per `sources[]` entry (any entry allows).
 * - MeshTrafficPermissions: those selecting the inbound, weakest first (top-level kind, then
 *   origin global < zone, then the lexicographically first name last), their `from[]` items
 *   concatenated in order; the last covering item decides, exactly as the engine decides.
 *
 * One difference in wording, not in practice: in a MeshSubset/MeshServiceSubset `from` item a
 * `*` value requires the tag to be present (Kuma allows `*` there only for MeshServiceSubset);
 * the protocol's `match` has `*` impose no condition. Every workload certificate carries
 * `kuma.io/service`, so the two agree for the service tag.
 */
import type { InboundPermissions, PermissionRule } from '@zonemesh/api';
import {
  compileTargetRefPolicy,
  type EngineResource,
  type PolicyEngine,
  selectorMatches,
  type TargetRefPolicy,
} from '@zonemesh/policy';

const serviceTag = 'kuma.io/service';

/** Priority of each top-level kind in merge order (Kuma 2.14), weakest first. */
const kindPriority: Readonly<Record<string, number>> = {
  Mesh: 1,
  Dataplane: 2,
  MeshSubset: 3,
  MeshGateway: 4,
  MeshService: 5,
  MeshExternalService: 6,
  MeshMultiZoneService: 7,
  MeshServiceSubset: 8,
  MeshHTTPRoute: 9,
};

/** The old-style TrafficPermissions of a mesh: their `sources`, by name. */
export class TrafficPermissionSources {
  readonly #byName = new Map<string, readonly Readonly<Record<string, string>>[]>();

  set(resource: EngineResource): void {
    const spec = resource.spec as { sources?: readonly { match?: Readonly<Record<string, string>> }[] };
    this.#byName.set(
      resource.meta.name,
      (spec.sources ?? []).map((source) => ({ ...source.match })),
    );
  }

  delete(name: string): void {
    this.#byName.delete(name);
  }

  get(name: string): readonly Readonly<Record<string, string>>[] | undefined {
    return this.#byName.get(name);
  }
}

/** The MeshTrafficPermissions of a mesh, indexed by the service their top-level targetRef names. */
export class MeshTrafficPermissionIndex {
  readonly #byName = new Map<string, TargetRefPolicy>();
  /** Mesh and MeshSubset policies: they may select any inbound. */
  readonly #general = new Set<TargetRefPolicy>();
  readonly #byService = new Map<string, Set<TargetRefPolicy>>();

  /** Adds or replaces one policy. Throws the engine's `InvalidInput` for one it cannot compile. */
  set(resource: EngineResource): void {
    const policy = compileTargetRefPolicy(resource);
    this.delete(resource.meta.name);
    this.#byName.set(resource.meta.name, policy);
    const service = serviceOf(policy);
    if (service === undefined) this.#general.add(policy);
    else {
      let bucket = this.#byService.get(service);
      if (bucket === undefined) {
        bucket = new Set();
        this.#byService.set(service, bucket);
      }
      bucket.add(policy);
    }
  }

  delete(name: string): void {
    const policy = this.#byName.get(name);
    if (policy === undefined) return;
    this.#byName.delete(name);
    this.#general.delete(policy);
    const service = serviceOf(policy);
    if (service === undefined) return;
    const bucket = this.#byService.get(service);
    bucket?.delete(policy);
    if (bucket?.size === 0) this.#byService.delete(service);
  }

  /** The policies selecting an inbound, weakest first (merge order). */
  selecting(inbound: Readonly<Record<string, string>>): TargetRefPolicy[] {
    const candidates = [...this.#general, ...(this.#byService.get(inbound[serviceTag] ?? '') ?? [])];
    return candidates.filter((policy) => selectsInbound(policy, inbound)).sort(compareMergeOrder);
  }
}

/**
 * The permission rules of an inbound with `tags` in a mesh; null when mTLS is off (everything is
 * allowed). No governing policy: no rules, so everything is denied.
 */
export function inboundPermissions(
  engine: PolicyEngine,
  trafficPermissions: TrafficPermissionSources,
  meshTrafficPermissions: MeshTrafficPermissionIndex,
  tags: Readonly<Record<string, string>>,
): InboundPermissions | null {
  if (!engine.mtlsEnabled) return null;
  // With no client tags, the decision still names the governing policy: the winning
  // TrafficPermission, or a MeshTrafficPermission when any selects the inbound.
  const governing = engine.decideTraffic({ source: [], destination: tags }).policy;
  if (governing === null) return { policy: null, rules: [] };
  if (governing.type === 'TrafficPermission') {
    const policy = { type: governing.type, name: governing.name };
    const rules: PermissionRule[] = (trafficPermissions.get(governing.name) ?? []).map((match) => ({
      match: { ...match },
      action: 'Allow',
      policy,
    }));
    return { policy, rules };
  }
  const selecting = meshTrafficPermissions.selecting(tags);
  const strongest = selecting.at(-1);
  const rules: PermissionRule[] = [];
  for (const policy of selecting) {
    const ref = { type: policy.ref.type, name: policy.ref.name };
    for (const item of policy.from) {
      const match = clientMatch(item.targetRef);
      if (item.action === undefined || match === undefined) continue;
      rules.push({ match, action: item.action, policy: ref });
    }
  }
  return {
    policy: strongest === undefined ? governing : { type: strongest.ref.type, name: strongest.ref.name },
    rules,
  };
}

/**
 * The tags a `from[]` targetRef requires of a client. A MeshServiceSubset whose tags name another
 * `kuma.io/service` than its `name` requires two services at once, which one `match` map cannot
 * say: it yields undefined and is left out (it covers only clients serving both services).
 */
function clientMatch(ref: TargetRefPolicy['from'][number]['targetRef']): Record<string, string> | undefined {
  switch (ref.kind) {
    case 'MeshService':
      return { [serviceTag]: ref.name ?? '' };
    case 'MeshSubset':
      return { ...ref.tags };
    case 'MeshServiceSubset': {
      const tagged = ref.tags[serviceTag];
      if (tagged !== undefined && tagged !== '*' && tagged !== ref.name) return undefined;
      return { ...ref.tags, [serviceTag]: ref.name ?? '' };
    }
    default:
      return {};
  }
}

function serviceOf(policy: TargetRefPolicy): string | undefined {
  const kind = policy.targetRef.kind;
  return kind === 'MeshService' || kind === 'MeshServiceSubset' ? policy.targetRef.name : undefined;
}

/** Kuma `DppSelectedByPolicy` for one sidecar inbound (Dataplane and gateway refs select none by tags). */
function selectsInbound(policy: TargetRefPolicy, inbound: Readonly<Record<string, string>>): boolean {
  const ref = policy.targetRef;
  if (ref.proxyTypes !== undefined && !ref.proxyTypes.includes('Sidecar')) return false;
  switch (ref.kind) {
    case 'Mesh':
      return true;
    case 'MeshSubset':
      return selectorMatches(ref.tags, inbound);
    case 'MeshService':
      return inbound[serviceTag] === ref.name;
    case 'MeshServiceSubset':
      return inbound[serviceTag] === ref.name && selectorMatches(ref.tags, inbound);
    default:
      return false;
  }
}

function compareMergeOrder(a: TargetRefPolicy, b: TargetRefPolicy): number {
  return (
    (kindPriority[a.targetRef.kind] ?? 0) - (kindPriority[b.targetRef.kind] ?? 0) ||
    originPriority(a) - originPriority(b) ||
    compareNames(b.ref.name, a.ref.name)
  );
}

function originPriority(policy: TargetRefPolicy): number {
  return policy.origin === 'zone' ? 1 : 0;
}

function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
