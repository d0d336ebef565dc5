/**
 * The reference policy engine: every decision scans every policy of the kind, exactly as the
 * rules read (Kuma's connection matcher and rules builder). It is the executable specification
 * the indexed engine is tested against, and the baseline of the benchmark; do not use it in
 * production code.
 */
import type { InboundPermissions } from '@zonemesh/api';
import type { LegacyPolicy, TargetRefPolicy } from './compiled-policy.js';
import type {
  MeshHealthCheckDecision,
  OutboundDecision,
  PolicyEngine,
  PolicyEngineOptions,
  SourceProxy,
  TrafficDecision,
  TrafficQuery,
} from './engine.js';
import {
  type DecidingRule,
  meshHealthCheckDecision,
  meshTrafficPermissionDecision,
  mtlsOffDecision,
  outboundDecision,
  trafficPermissionDecision,
} from './explain.js';
import { selectHealthCheckType } from './health-check-type.js';
import { meshTrafficPermissionRules, trafficPermissionRules } from './inbound-permissions.js';
import { bestSourceRank } from './legacy-index.js';
import { compareMatches, compareMergeOrder, type RankedMatch } from './ranking.js';
import { PolicySet } from './policy-set.js';
import {
  clientIdentity,
  combineRanks,
  compareRanks,
  inboundsOf,
  type Rank,
  selectorMatches,
  type Tags,
} from './selector.js';
import { coversClient, selectsInbound, serviceTag } from './target-ref.js';
import { mergeToRules } from './to-rules.js';

/** Creates the scanning reference engine of one mesh (tests and benchmarks only). */
export function createReferencePolicyEngine(options: PolicyEngineOptions): PolicyEngine {
  const set = new PolicySet(options);

  /** The MeshTrafficPermissions selecting an inbound, weakest first (merge order). */
  function selectingMeshTrafficPermissions(inbound: Tags): TargetRefPolicy[] {
    return [...set.targetRef.MeshTrafficPermission.values()]
      .filter((policy) => selectsInbound(policy.targetRef, inbound))
      .sort(compareMergeOrder);
  }

  /** The TrafficPermissions selecting an inbound, best first. */
  function rankedTrafficPermissions(inbound: Tags): RankedMatch[] {
    const matches: RankedMatch[] = [];
    for (const policy of set.legacy.TrafficPermission.values()) {
      const rank = bestRank(policy.destinations, inbound);
      if (rank !== null) matches.push({ policy, rank });
    }
    return matches.sort(compareMatches);
  }

  function decideTraffic(query: TrafficQuery): TrafficDecision {
    if (!set.mtlsEnabled) return mtlsOffDecision(set.mesh);
    const client = clientIdentity(query.source);
    const selecting = selectingMeshTrafficPermissions(query.destination);
    const strongest = selecting.at(-1);
    if (strongest !== undefined) {
      let deciding: DecidingRule | undefined;
      for (const policy of selecting) {
        for (const rule of policy.from) {
          if (coversClient(rule.targetRef, client)) deciding = { policy, rule };
        }
      }
      return meshTrafficPermissionDecision(strongest, selecting.length, deciding);
    }
    const matches = rankedTrafficPermissions(query.destination);
    return trafficPermissionDecision(matches[0], matches[1], client);
  }

  function inboundPermissions(inbound: Tags): InboundPermissions | null {
    if (!set.mtlsEnabled) return null;
    const selecting = selectingMeshTrafficPermissions(inbound);
    if (selecting.length > 0) return meshTrafficPermissionRules(selecting);
    return trafficPermissionRules(rankedTrafficPermissions(inbound)[0]?.policy);
  }

  function selectOutbound<T extends 'HealthCheck' | 'TrafficRoute'>(
    type: T,
    source: SourceProxy,
    service: string,
  ): OutboundDecision<T> {
    const inbounds = inboundsOf(source);
    const destination = { [serviceTag]: service };
    const matches: RankedMatch[] = [];
    for (const policy of set.legacy[type].values()) {
      const sourceRank = bestSourceRank(policy, inbounds);
      if (sourceRank === null) continue;
      const destinationRank = bestRank(policy.destinations, destination);
      if (destinationRank !== null) matches.push({ policy, rank: combineRanks(destinationRank, sourceRank) });
    }
    matches.sort(compareMatches);
    return outboundDecision(type, service, matches[0], matches[1]);
  }

  function resolveMeshHealthCheck(source: SourceProxy, destination: Tags): MeshHealthCheckDecision {
    const inbounds = inboundsOf(source);
    const selected: TargetRefPolicy[] = [...set.targetRef.MeshHealthCheck.values()].filter((policy) =>
      inbounds.some((inbound) => selectsInbound(policy.targetRef, inbound)),
    );
    const { contributors, conf } = mergeToRules(selected, destination);
    return meshHealthCheckDecision(destination, contributors, conf, selectHealthCheckType(conf, destination));
  }

  return {
    get mesh() {
      return set.mesh;
    },
    get mtlsEnabled() {
      return set.mtlsEnabled;
    },
    upsert: (resource) => set.upsert(resource),
    remove: (type, name) => set.remove(type, name),
    decideTraffic,
    inboundPermissions,
    selectHealthCheck: (source, service) => selectOutbound('HealthCheck', source, service),
    selectTrafficRoute: (source, service) => selectOutbound('TrafficRoute', source, service),
    resolveMeshHealthCheck,
  };
}

/** The best rank among the selectors matching `tags`, or `null` when none does. */
function bestRank(selectors: LegacyPolicy['destinations'], tags: Tags): Rank | null {
  let best: Rank | null = null;
  for (const selector of selectors) {
    if (selectorMatches(selector.tags, tags) && (best === null || compareRanks(selector.rank, best) > 0)) {
      best = selector.rank;
    }
  }
  return best;
}
