/**
 * Turns what a matcher found into a decision with its reason. Both engines hand their findings to
 * these functions, so equal findings give equal answers, word for word.
 */
import type { CompiledRule, PolicyRef, TargetRefPolicy, TrafficAction } from './compiled-policy.js';
import type { MeshHealthCheckDecision, OutboundDecision, TrafficDecision, TrafficVerdict } from './engine.js';
import type { HealthCheckType } from './health-check-type.js';
import { protocolTag } from './health-check-type.js';
import { type RankedMatch, whyBetter } from './ranking.js';
import { type ClientIdentity, sourceMatchesClient, type Tags } from './selector.js';
import { describeTargetRef, serviceTag } from './target-ref.js';

/** Every connection is allowed when the mesh has no mTLS: nothing identifies the client. */
export function mtlsOffDecision(mesh: string): TrafficDecision {
  return {
    decision: 'ALLOW',
    policy: null,
    reason: `mTLS is off in mesh ${mesh}: traffic is not checked, everything is allowed`,
  };
}

/**
 * The TrafficPermission outcome: the best policy selecting the destination (with the runner-up,
 * to say why it won), then its sources against the client.
 */
export function trafficPermissionDecision(
  winner: RankedMatch | undefined,
  runnerUp: RankedMatch | undefined,
  client: ClientIdentity,
): TrafficDecision {
  if (winner === undefined) {
    return {
      decision: 'DENY',
      policy: null,
      reason: 'no TrafficPermission or MeshTrafficPermission selects the destination: denied by default',
    };
  }
  const name = winner.policy.ref.name;
  const selection =
    runnerUp === undefined
      ? `${name} is the only TrafficPermission selecting the destination`
      : `${name} wins over ${runnerUp.policy.ref.name}: ${whyBetter(winner, runnerUp)}`;
  const source = winner.policy.sources.find((selector) => sourceMatchesClient(selector.tags, client));
  return {
    decision: source === undefined ? 'DENY' : 'ALLOW',
    policy: { type: 'TrafficPermission', name },
    reason:
      source === undefined
        ? `${selection}; none of its sources matches the client`
        : `${selection}; its sources[${source.index}] matches the client`,
  };
}

/** The rule that decided a MeshTrafficPermission outcome: the last `from` item covering the client. */
export interface DecidingRule {
  readonly policy: TargetRefPolicy;
  readonly rule: CompiledRule;
}

/**
 * The MeshTrafficPermission outcome. `strongest` is the highest-priority policy selecting the
 * destination, `selected` how many select it (used only when no item covers the client).
 */
export function meshTrafficPermissionDecision(
  strongest: TargetRefPolicy,
  selected: number,
  deciding: DecidingRule | undefined,
): TrafficDecision {
  if (deciding === undefined) {
    const subject =
      selected === 1
        ? `MeshTrafficPermission ${strongest.ref.name} selects the destination but none of its`
        : `${selected} MeshTrafficPermissions select the destination (strongest: ${strongest.ref.name}) but none of their`;
    return {
      decision: 'DENY',
      policy: { type: 'MeshTrafficPermission', name: strongest.ref.name },
      reason: `${subject} from rules matches the client: denied by default`,
    };
  }
  const { policy, rule } = deciding;
  const action: TrafficAction = rule.action ?? 'Deny';
  return {
    decision: verdictOf(action),
    policy: { type: 'MeshTrafficPermission', name: policy.ref.name },
    reason: `${policy.ref.name} from[${rule.index}] (${describeTargetRef(rule.targetRef)}) is the last rule matching the client: ${action}`,
  };
}

function verdictOf(action: TrafficAction): TrafficVerdict {
  switch (action) {
    case 'Allow':
      return 'ALLOW';
    case 'AllowWithShadowDeny':
      return 'SHADOW';
    case 'Deny':
      return 'DENY';
  }
}

/** The outcome for an old-style outbound policy (HealthCheck, TrafficRoute). */
export function outboundDecision<T extends 'HealthCheck' | 'TrafficRoute'>(
  type: T,
  service: string,
  winner: RankedMatch | undefined,
  runnerUp: RankedMatch | undefined,
): OutboundDecision<T> {
  if (winner === undefined) {
    return {
      policy: null,
      conf: undefined,
      reason: `no ${type} matches the source and destination ${service}`,
    };
  }
  const name = winner.policy.ref.name;
  const reason =
    runnerUp === undefined
      ? `${name} is the only ${type} matching the source and destination ${service}`
      : `${name} wins over ${runnerUp.policy.ref.name}: ${whyBetter(winner, runnerUp)}`;
  return { policy: { type, name }, conf: winner.policy.conf, reason };
}

/** The MeshHealthCheck outcome from the contributing policies (merge order) and the merged conf. */
export function meshHealthCheckDecision(
  destination: Tags,
  contributors: readonly TargetRefPolicy[],
  conf: Readonly<Record<string, unknown>> | null,
  check: HealthCheckType | null,
): MeshHealthCheckDecision {
  const service = destination[serviceTag] ?? 'the destination';
  const policies: PolicyRef<'MeshHealthCheck'>[] = contributors.map((policy) => ({
    type: 'MeshHealthCheck',
    name: policy.ref.name,
  }));
  const strongest = policies.at(-1) ?? null;
  if (strongest === null) {
    return {
      policy: null,
      policies,
      conf,
      check,
      reason: `no MeshHealthCheck selecting the source has a to rule for ${service}`,
    };
  }
  const merged =
    policies.length === 1
      ? `${strongest.name} applies`
      : `${policies.map((policy) => policy.name).join(', ')} merge in that order (${strongest.name} overrides)`;
  const protocol = destination[protocolTag] ?? 'tcp';
  const outcome =
    check === null
      ? `no check: nothing usable for a ${protocol} destination`
      : `${check} check for a ${protocol} destination`;
  return { policy: strongest, policies, conf, check, reason: `${merged}; ${outcome}` };
}
