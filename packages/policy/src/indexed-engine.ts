/**
 * The production policy engine: decisions look only at the policies that can select the
 * destination (or source), found through indexes that are updated one policy at a time on
 * upsert and remove.
 */
import type { InboundPermissions } from '@zonemesh/api';
import type { LegacyPolicyType, TargetRefPolicy, TargetRefPolicyType } from './compiled-policy.js';
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
import { LegacyIndex } from './legacy-index.js';
import { PolicySet, type PolicySetListener } from './policy-set.js';
import { clientIdentity, inboundsOf, type Tags } from './selector.js';
import { coversClient } from './target-ref.js';
import { TargetRefIndex } from './target-ref-index.js';
import { mergeToRules } from './to-rules.js';

/** Creates the indexed policy engine of one mesh. */
export function createPolicyEngine(options: PolicyEngineOptions): PolicyEngine {
  const legacy: { readonly [T in LegacyPolicyType]: LegacyIndex } = {
    TrafficPermission: new LegacyIndex(),
    HealthCheck: new LegacyIndex(),
    TrafficRoute: new LegacyIndex(),
  };
  const targetRef: { readonly [T in TargetRefPolicyType]: TargetRefIndex } = {
    MeshTrafficPermission: new TargetRefIndex(),
    MeshHealthCheck: new TargetRefIndex(),
  };
  const listener: PolicySetListener = {
    legacyChanged(type, previous, next) {
      if (previous !== undefined) legacy[type].remove(previous);
      if (next !== undefined) legacy[type].add(next);
    },
    targetRefChanged(type, previous, next) {
      if (previous !== undefined) targetRef[type].remove(previous);
      if (next !== undefined) targetRef[type].add(next);
    },
  };
  const set = new PolicySet(options, listener);

  function decideTraffic(query: TrafficQuery): TrafficDecision {
    if (!set.mtlsEnabled) return mtlsOffDecision(set.mesh);
    const client = clientIdentity(query.source);
    let strongest: TargetRefPolicy | undefined;
    let selected = 0;
    let deciding: DecidingRule | undefined;
    targetRef.MeshTrafficPermission.visitSelecting(query.destination, (policy) => {
      strongest ??= policy;
      selected++;
      for (let at = policy.from.length - 1; at >= 0; at--) {
        const rule = policy.from[at];
        if (rule !== undefined && coversClient(rule.targetRef, client)) {
          deciding = { policy, rule };
          return true;
        }
      }
      return false;
    });
    if (strongest !== undefined) return meshTrafficPermissionDecision(strongest, selected, deciding);
    const top = legacy.TrafficPermission.bestForInbound(query.destination);
    return trafficPermissionDecision(top.first, top.second, client);
  }

  function inboundPermissions(inbound: Tags): InboundPermissions | null {
    if (!set.mtlsEnabled) return null;
    const selecting: TargetRefPolicy[] = [];
    targetRef.MeshTrafficPermission.visitSelecting(inbound, (policy) => {
      selecting.push(policy);
      return false;
    });
    // Visited strongest first; the rules list them in merge order.
    if (selecting.length > 0) return meshTrafficPermissionRules(selecting.reverse());
    return trafficPermissionRules(legacy.TrafficPermission.bestForInbound(inbound).first?.policy);
  }

  function selectOutbound<T extends 'HealthCheck' | 'TrafficRoute'>(
    type: T,
    source: SourceProxy,
    service: string,
  ): OutboundDecision<T> {
    const top = legacy[type].bestForOutbound(inboundsOf(source), service);
    return outboundDecision(type, service, top.first, top.second);
  }

  function resolveMeshHealthCheck(source: SourceProxy, destination: Tags): MeshHealthCheckDecision {
    const selected = new Set<TargetRefPolicy>();
    for (const inbound of inboundsOf(source)) {
      targetRef.MeshHealthCheck.visitSelecting(inbound, (policy) => {
        selected.add(policy);
        return false;
      });
    }
    const { contributors, conf } = mergeToRules([...selected], destination);
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
