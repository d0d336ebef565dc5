/**
 * The policy engine of one mesh: it holds that mesh's policies and answers, with a reason, which
 * policy decides a connection and what it decides. Two implementations answer identically: the
 * indexed one ({@link createPolicyEngine}) that production code uses, and a plain scan
 * ({@link createReferencePolicyEngine}) kept as the executable specification for tests.
 */
import type { InboundPermissions, ResourceType } from '@zonemesh/api';
import type { PolicyRef } from './compiled-policy.js';
import type { HealthCheckType } from './health-check-type.js';
import type { Tags } from './selector.js';

/** What a (client, destination inbound) connection gets. SHADOW: allowed, logged as denied. */
export type TrafficVerdict = 'ALLOW' | 'DENY' | 'SHADOW';

/** The answer to "may this client reach this inbound?" (the JSON of `zmctl inspect traffic`). */
export interface TrafficDecision {
  readonly decision: TrafficVerdict;
  /**
   * The policy whose rules decided, also when they deny. For TrafficPermission the one selected
   * for the destination even if its sources exclude the client; for MeshTrafficPermission the one
   * owning the deciding `from` item, or the strongest selecting one when no item matches. `null`
   * only when no policy selects the destination or mTLS is off.
   */
  readonly policy: PolicyRef<'TrafficPermission' | 'MeshTrafficPermission'> | null;
  /** One line a user understands. */
  readonly reason: string;
}

/** A client and a destination inbound. */
export interface TrafficQuery {
  /** The client's tags: one tag map, or one per inbound (its identity is their union). */
  readonly source: Tags | readonly Tags[];
  /** The destination inbound's tags (one inbound). */
  readonly destination: Tags;
}

/** The old-style policy chosen for a (source proxy, destination service) pair. */
export interface OutboundDecision<T extends 'HealthCheck' | 'TrafficRoute'> {
  /** The winning policy, or `null` when none matches. */
  readonly policy: PolicyRef<T> | null;
  /** The winner's `conf`, `undefined` when none matches. */
  readonly conf: unknown;
  readonly reason: string;
}

/** The MeshHealthCheck settings for a (source proxy, destination) pair. */
export interface MeshHealthCheckDecision {
  /** The strongest policy that contributed a matching `to` item, or `null` when none did. */
  readonly policy: PolicyRef<'MeshHealthCheck'> | null;
  /** Every contributing policy, in merge order (later overrides earlier). */
  readonly policies: readonly PolicyRef<'MeshHealthCheck'>[];
  /** The merged `default` (JSON merge patch of the matching items in order), or `null`. */
  readonly conf: Readonly<Record<string, unknown>> | null;
  /** The check configured for the destination's protocol, or `null` for none. */
  readonly check: HealthCheckType | null;
  readonly reason: string;
}

/** The proxy on the source side of an outbound: its inbounds' tags, or one tag map. */
export type SourceProxy = Tags | readonly Tags[];

/** What the engine accepts: a stored `Resource`, or a `NewResource` with its creation time. */
export interface EngineResource {
  readonly type: ResourceType;
  readonly meta: {
    readonly name: string;
    readonly mesh?: string;
    readonly labels?: Readonly<Record<string, string>>;
    /** RFC 3339; a policy without one counts as created at the Unix epoch. */
    readonly creationTime?: string;
  };
  readonly spec: unknown;
}

/** Options of an engine. */
export interface PolicyEngineOptions {
  /** The mesh whose policies this engine holds; resources of other meshes are refused. */
  readonly mesh: string;
  /**
   * Whether mTLS counts as enabled while no Mesh resource says otherwise (default true). A Mesh
   * resource given to {@link PolicyEngine.upsert} overrides it until it is removed.
   */
  readonly mtlsEnabled?: boolean;
}

/**
 * One mesh's policies and the decisions they make. Not thread-safe by design (single event
 * loop); every method is synchronous. Changes apply one resource at a time, so a control plane
 * can feed it from a store watch.
 */
export interface PolicyEngine {
  readonly mesh: string;
  /** Whether the mesh has mTLS enabled; without it every connection is allowed. */
  readonly mtlsEnabled: boolean;
  /**
   * Adds or replaces one resource (by type and name). Mesh resources set mTLS; policy kinds are
   * indexed; other kinds (Dataplane, Zone, ZoneIngress) are ignored and `false` is returned.
   * Throws `MeshError` `InvalidInput` naming the bad fields, leaving the engine unchanged.
   */
  upsert(resource: EngineResource): boolean;
  /** Removes one resource; `false` when the engine did not hold it. */
  remove(type: ResourceType, name: string): boolean;
  /** TrafficPermission / MeshTrafficPermission decision for a client and a destination inbound. */
  decideTraffic(query: TrafficQuery): TrafficDecision;
  /**
   * The permission rules a sidecar evaluates for a destination inbound (its tags), as the
   * dataplane protocol sends them: the last rule whose `match` the client carries wins, no match
   * denies. The winning TrafficPermission gives one `Allow` per source; the MeshTrafficPermissions
   * selecting the inbound their `from[]` items in merge order; no policy gives no rules (deny).
   * `null` when mTLS is off (everything allowed). For a client carrying `kuma.io/service` the
   * rules decide as {@link decideTraffic}, apart from the `from[]` shapes listed in
   * `inbound-permissions.ts` that a tag map cannot say.
   */
  inboundPermissions(inbound: Tags): InboundPermissions | null;
  /** The HealthCheck for a source proxy's outbound to a service. */
  selectHealthCheck(source: SourceProxy, service: string): OutboundDecision<'HealthCheck'>;
  /** The TrafficRoute for a source proxy's outbound to a service. */
  selectTrafficRoute(source: SourceProxy, service: string): OutboundDecision<'TrafficRoute'>;
  /**
   * The MeshHealthCheck for a source proxy's outbound to a destination (its tags: at least
   * `kuma.io/service`, and `kuma.io/protocol` when not tcp).
   */
  resolveMeshHealthCheck(source: SourceProxy, destination: Tags): MeshHealthCheckDecision;
}
