/**
 * Kuma's `to` rules for one destination: the `to[]` lists of the policies selecting the source,
 * concatenated in merge order (weakest policy first, each list in its own order), and the
 * `default` of every item covering the destination merged with JSON merge patch, later wins.
 * The item's own kind does not change its priority; only policy order and position count.
 */
import type { TargetRefPolicy } from './compiled-policy.js';
import { applyMergePatch } from './merge-patch.js';
import { compareMergeOrder } from './ranking.js';
import type { Tags } from './selector.js';
import { coversDestination } from './target-ref.js';

/** The merged `to` configuration for a destination, and which policies contributed to it. */
export interface ToRulesResult {
  /** Policies with at least one item covering the destination, in merge order. */
  readonly contributors: readonly TargetRefPolicy[];
  /** The merged `default`s, or `null` when no item covers the destination. */
  readonly conf: Readonly<Record<string, unknown>> | null;
}

/**
 * Merges the `to` items of `selected` (the policies selecting the source proxy, in any order)
 * that cover `destination`.
 */
export function mergeToRules(selected: readonly TargetRefPolicy[], destination: Tags): ToRulesResult {
  const ordered = [...selected].sort(compareMergeOrder);
  const contributors: TargetRefPolicy[] = [];
  let conf: unknown = null;
  let covered = false;
  for (const policy of ordered) {
    let contributed = false;
    for (const rule of policy.to) {
      if (!coversDestination(rule.targetRef, destination)) continue;
      conf = applyMergePatch(covered ? conf : {}, rule.default ?? {});
      covered = true;
      contributed = true;
    }
    if (contributed) contributors.push(policy);
  }
  return { contributors, conf: covered && isObject(conf) ? conf : null };
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
