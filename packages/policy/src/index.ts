/**
 * @zonemesh/policy — Kuma's policy matching for one mesh: which TrafficPermission or
 * MeshTrafficPermission decides a connection, which HealthCheck, TrafficRoute or MeshHealthCheck
 * applies to an outbound, each with the deciding policy and a reason; and the permission rules a
 * sidecar evaluates for an inbound. Indexed, updated one policy at a time.
 */
export { createPolicyEngine } from './indexed-engine.js';
export { createReferencePolicyEngine } from './reference-engine.js';
export { compileTargetRefPolicy } from './compiled-policy.js';
export { mergeToRules } from './to-rules.js';
export { applyMergePatch } from './merge-patch.js';
export { selectHealthCheckType } from './health-check-type.js';
export { permissionVerdict } from './inbound-permissions.js';
export { clientIdentity, compareRanks, rankOf, selectorMatches, sourceMatchesClient } from './selector.js';
export { compareInstants, parseInstant } from './creation-time.js';
export type {
  EngineResource,
  MeshHealthCheckDecision,
  OutboundDecision,
  PolicyEngine,
  PolicyEngineOptions,
  SourceProxy,
  TrafficDecision,
  TrafficQuery,
  TrafficVerdict,
} from './engine.js';
export type {
  PolicyRef,
  PolicyResourceInput,
  SelectorEntryInput,
  SourceDestinationSpecInput,
  TargetRefInput,
  TargetRefRuleInput,
  TargetRefPolicy,
  TargetRefSpecInput,
} from './compiled-policy.js';
export type { ToRulesResult } from './to-rules.js';
export type { HealthCheckType } from './health-check-type.js';
export type { ClientIdentity, Rank, Selector, Tags } from './selector.js';
export type { Instant } from './creation-time.js';
