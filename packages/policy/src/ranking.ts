/**
 * Which policy beats which. Old-style policies: the best-ranked match wins alone (more tags, then
 * more exact values, then later creation time, then alphabetically first name: Kuma sorts by name
 * and replaces its best only on a strictly greater rank or a strictly later creation time).
 * targetRef policies: all selecting ones merge, weakest first (kind, then origin, then name with
 * the lexicographically first name strongest, as in Kuma 2.6+).
 */
import type { LegacyPolicy, TargetRefKind, TargetRefPolicy } from './compiled-policy.js';
import { compareInstants } from './creation-time.js';
import { compareRanks, type Rank } from './selector.js';

/** An old-style policy that matched, with the rank it matched at. */
export interface RankedMatch {
  readonly policy: LegacyPolicy;
  readonly rank: Rank;
}

/** Sort order of matches, best first: negative when `a` beats `b`. */
export function compareMatches(a: RankedMatch, b: RankedMatch): number {
  return (
    compareRanks(b.rank, a.rank) ||
    compareInstants(b.policy.created, a.policy.created) ||
    compareNames(a.policy.ref.name, b.policy.ref.name)
  );
}

/** Plain code-point comparison, as Go's `sort` on strings: locale-independent. */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * Why `winner` beats `runnerUp`, for a user: "more tags (2 vs 1)", "more exact values (2 vs 1)",
 * "same rank, created later", "same rank and creation time, name first alphabetically".
 */
export function whyBetter(winner: RankedMatch, runnerUp: RankedMatch): string {
  const total = winner.rank.exact + winner.rank.wildcard;
  const otherTotal = runnerUp.rank.exact + runnerUp.rank.wildcard;
  if (total !== otherTotal) return `more tags (${total} vs ${otherTotal})`;
  if (winner.rank.exact !== runnerUp.rank.exact) {
    return `more exact values (${winner.rank.exact} vs ${runnerUp.rank.exact})`;
  }
  if (compareInstants(winner.policy.created, runnerUp.policy.created) !== 0)
    return 'same rank, created later';
  return 'same rank and creation time, name first alphabetically';
}

/** Priority of each top-level kind considered here (Kuma 2.14 `targetref.go` order). */
const kindPriority: { readonly [K in TargetRefKind]: number } = {
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

/**
 * Merge order of targetRef policies: negative when `a` is weaker than `b` (merged before it, so
 * `b`'s rules override). Kind, then origin (global < zone), then name in inverted order.
 */
export function compareMergeOrder(a: TargetRefPolicy, b: TargetRefPolicy): number {
  return (
    kindPriority[a.targetRef.kind] - kindPriority[b.targetRef.kind] ||
    originPriority(a) - originPriority(b) ||
    compareNames(b.ref.name, a.ref.name)
  );
}

function originPriority(policy: TargetRefPolicy): number {
  return policy.origin === 'zone' ? 1 : 0;
}

/**
 * Keeps the best two matches of distinct policies, offered in any order. A policy offered again
 * keeps its better match.
 */
export class TopTwo {
  first: RankedMatch | undefined;
  second: RankedMatch | undefined;

  /** Offers one match. */
  offer(match: RankedMatch): void {
    const { first, second } = this;
    if (first !== undefined && match.policy === first.policy) {
      if (compareMatches(match, first) < 0) this.first = match;
      return;
    }
    if (second !== undefined && match.policy === second.policy) {
      if (compareMatches(match, second) >= 0) return;
      if (first !== undefined && compareMatches(match, first) < 0) {
        this.second = first;
        this.first = match;
      } else {
        this.second = match;
      }
      return;
    }
    if (first === undefined || compareMatches(match, first) < 0) {
      this.second = first;
      this.first = match;
    } else if (second === undefined || compareMatches(match, second) < 0) {
      this.second = match;
    }
  }
}
