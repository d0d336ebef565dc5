/**
 * Kuma's tag selectors: how a `match` (or a targetRef's `tags`) matches a tag map, how specific it
 * is (its rank), and how a client's identity is matched by a source selector.
 */

/** A tag map: `{ 'kuma.io/service': 'web', version: 'v1' }`. */
export type Tags = Readonly<Record<string, string>>;

/** A selector: tag name to value, where the value `*` means "any value". */
export type Selector = Readonly<Record<string, string>>;

/** The value that matches any value of a tag. */
export const wildcard = '*';

/**
 * How specific a selector is. Compared by total number of tags first, then by exact values
 * (Kuma's `TagSelectorRank.CompareTo`).
 */
export interface Rank {
  readonly exact: number;
  readonly wildcard: number;
}

/** The rank of a selector: its exact and its `*` values counted. */
export function rankOf(selector: Selector): Rank {
  let exact = 0;
  let wild = 0;
  for (const value of Object.values(selector)) {
    if (value === wildcard) wild++;
    else exact++;
  }
  return { exact, wildcard: wild };
}

/** Negative when `a` is less specific than `b`, 0 when equal, positive when more specific. */
export function compareRanks(a: Rank, b: Rank): number {
  const totalA = a.exact + a.wildcard;
  const totalB = b.exact + b.wildcard;
  if (totalA !== totalB) return totalA - totalB;
  return a.exact - b.exact;
}

/** Component-wise sum, as Kuma combines a source rank with a destination rank. */
export function combineRanks(a: Rank, b: Rank): Rank {
  return { exact: a.exact + b.exact, wildcard: a.wildcard + b.wildcard };
}

/**
 * Kuma's `TagSelector.Matches`: every selector tag must be present in `tags`, with an equal value
 * or any value when the selector says `*`. An empty selector matches everything. Used to select
 * destination inbounds and dataplanes, one inbound's tags at a time.
 */
export function selectorMatches(selector: Selector, tags: Tags): boolean {
  for (const key in selector) {
    const actual = tags[key];
    if (actual === undefined) return false;
    const wanted = selector[key];
    if (wanted !== wildcard && wanted !== actual) return false;
  }
  return true;
}

/**
 * A client's identity: every value of every tag over all of its inbounds, as its certificate
 * carries them (`spiffe://<mesh>/<service>` and `kuma://<tag>/<value>`). A key can have several
 * values when the client has several inbounds.
 */
export interface ClientIdentity {
  readonly values: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The union of the tags of a client's inbounds. A single tag map is one inbound. */
export function clientIdentity(inbounds: Tags | readonly Tags[]): ClientIdentity {
  const list: readonly Tags[] = isTagList(inbounds) ? inbounds : [inbounds];
  const values = new Map<string, Set<string>>();
  for (const tags of list) {
    for (const [key, value] of Object.entries(tags)) {
      let set = values.get(key);
      if (set === undefined) {
        set = new Set();
        values.set(key, set);
      }
      set.add(value);
    }
  }
  return { values };
}

/** A proxy's inbounds: one tag map counts as one inbound. */
export function inboundsOf(source: Tags | readonly Tags[]): readonly Tags[] {
  return isTagList(source) ? source : [source];
}

/** Whether a value is a list of tag maps (a proxy's inbounds) rather than one tag map. */
export function isTagList(value: Tags | readonly Tags[]): value is readonly Tags[] {
  return Array.isArray(value);
}

/**
 * How the destination's RBAC matches a TrafficPermission source against a client certificate:
 * each non-`*` tag is a required SAN (ANDed); `*` adds no condition at all, so it does not even
 * require the tag to exist.
 */
export function sourceMatchesClient(selector: Selector, client: ClientIdentity): boolean {
  for (const key in selector) {
    const wanted = selector[key];
    if (wanted === wildcard || wanted === undefined) continue;
    if (client.values.get(key)?.has(wanted) !== true) return false;
  }
  return true;
}

/**
 * How a targetRef's tags (MeshSubset, MeshServiceSubset in `from`) match a client: every tag must
 * be carried by the client with that value; `*` (which Kuma allows only in MeshServiceSubset)
 * requires the tag to be present with any value.
 */
export function subsetMatchesClient(selector: Selector, client: ClientIdentity): boolean {
  for (const key in selector) {
    const wanted = selector[key];
    const carried = client.values.get(key);
    if (carried === undefined) return false;
    if (wanted !== wildcard && wanted !== undefined && !carried.has(wanted)) return false;
  }
  return true;
}
