/**
 * The index of old-style policies (TrafficPermission, HealthCheck, TrafficRoute) by their
 * `destinations` selectors. A lookup visits only the buckets of the destination's tags; buckets
 * are sorted best match first, so a bucket is left as soon as its entries cannot reach the best
 * two policies.
 */
import type { CompiledSelector, LegacyPolicy } from './compiled-policy.js';
import { compareInstants } from './creation-time.js';
import { compareNames, type RankedMatch, TopTwo } from './ranking.js';
import { SelectorIndex } from './selector-index.js';
import { combineRanks, compareRanks, type Rank, selectorMatches, type Tags } from './selector.js';

/** One `destinations[]` selector of a policy. */
interface DestinationEntry {
  readonly policy: LegacyPolicy;
  readonly selector: CompiledSelector;
}

/** Best first: rank, later creation, first name, then position in the policy. */
function compareEntries(a: DestinationEntry, b: DestinationEntry): number {
  return (
    compareRanks(b.selector.rank, a.selector.rank) ||
    compareInstants(b.policy.created, a.policy.created) ||
    compareNames(a.policy.ref.name, b.policy.ref.name) ||
    a.selector.index - b.selector.index
  );
}

/** Old-style policies of one kind, indexed by destination selector. */
export class LegacyIndex {
  private readonly index = new SelectorIndex<DestinationEntry>(compareEntries);
  private readonly entriesOf = new Map<LegacyPolicy, DestinationEntry[]>();

  /** Adds one policy (each of its destination selectors). */
  add(policy: LegacyPolicy): void {
    const entries = policy.destinations.map((selector) => ({ policy, selector }));
    for (const entry of entries) this.index.add(entry.selector.tags, entry);
    this.entriesOf.set(policy, entries);
  }

  /** Removes one policy (the object that was added). */
  remove(policy: LegacyPolicy): void {
    for (const entry of this.entriesOf.get(policy) ?? []) this.index.remove(entry);
    this.entriesOf.delete(policy);
  }

  /**
   * The best two policies whose destinations select an inbound (TrafficPermission): ranked by
   * the best matching destination selector.
   */
  bestForInbound(inbound: Tags): TopTwo {
    const top = new TopTwo();
    for (const bucket of this.index.bucketsFor(inbound)) {
      let seen: LegacyPolicy | undefined;
      for (const entry of bucket.entries) {
        // Sorted best first: once an entry cannot beat the current second, no later one can.
        if (top.second !== undefined && compareEntryToMatch(entry, top.second) > 0) break;
        if (!selectorMatches(entry.selector.tags, inbound)) continue;
        top.offer({ policy: entry.policy, rank: entry.selector.rank });
        if (seen !== undefined && seen !== entry.policy) break;
        seen = entry.policy;
      }
    }
    return top;
  }

  /**
   * The best two policies for an outbound (HealthCheck, TrafficRoute): a source selector must
   * match one of the proxy's inbounds, a destination selector `{kuma.io/service: service}`; the
   * rank is the destination rank plus the best source rank.
   */
  bestForOutbound(inbounds: readonly Tags[], service: string): TopTwo {
    const top = new TopTwo();
    const destination = { 'kuma.io/service': service };
    const sourceRanks = new Map<LegacyPolicy, Rank | null>();
    for (const bucket of this.index.bucketsFor(destination)) {
      for (const entry of bucket.entries) {
        if (!selectorMatches(entry.selector.tags, destination)) continue;
        let sourceRank = sourceRanks.get(entry.policy);
        if (sourceRank === undefined) {
          sourceRank = bestSourceRank(entry.policy, inbounds);
          sourceRanks.set(entry.policy, sourceRank);
        }
        if (sourceRank === null) continue;
        top.offer({ policy: entry.policy, rank: combineRanks(entry.selector.rank, sourceRank) });
      }
    }
    return top;
  }
}

/** Compares an entry with a match as {@link compareMatches} would, without allocating. */
function compareEntryToMatch(entry: DestinationEntry, match: RankedMatch): number {
  return (
    compareRanks(match.rank, entry.selector.rank) ||
    compareInstants(match.policy.created, entry.policy.created) ||
    compareNames(entry.policy.ref.name, match.policy.ref.name)
  );
}

/**
 * The best rank among a policy's sources matching any of the proxy's inbounds (each inbound on
 * its own, as Kuma's `Dataplane.Matches`), or `null` when none matches.
 */
export function bestSourceRank(policy: LegacyPolicy, inbounds: readonly Tags[]): Rank | null {
  let best: Rank | null = null;
  for (const source of policy.sources) {
    if (best !== null && compareRanks(source.rank, best) <= 0) continue;
    if (inbounds.some((inbound) => selectorMatches(source.tags, inbound))) best = source.rank;
  }
  return best;
}
