/**
 * An index of selectors by the tags they require, so that finding the selectors that may match a
 * tag map looks at a few small buckets instead of every policy.
 *
 * Each selector sits in exactly one bucket: under one of its exact `key=value` pairs (the one
 * whose bucket is smallest when it is added, which spreads `{kuma.io/service: web, version: vN}`
 * over versions), else under one of its `*` keys, else (empty selector) in a bucket every lookup
 * visits. A selector can only match tags that contain its bucket's pair or key, so a lookup visits
 * the buckets of the tags it has and nothing else. Buckets stay sorted by the caller's order, so
 * callers can stop early. Adding or removing one selector touches one bucket.
 */
import { type Selector, type Tags, wildcard } from './selector.js';

/** Entries kept sorted by a comparator (negative: `a` first). */
export class SortedBucket<E> {
  readonly entries: E[] = [];

  constructor(private readonly compare: (a: E, b: E) => number) {}

  /** Inserts after every entry that sorts before or equal to it (binary search). */
  insert(entry: E): void {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.compare(this.entries[middle] as E, entry) <= 0) low = middle + 1;
      else high = middle;
    }
    this.entries.splice(low, 0, entry);
  }

  /** Removes this exact entry (by identity); `false` when absent. */
  remove(entry: E): boolean {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.compare(this.entries[middle] as E, entry) < 0) low = middle + 1;
      else high = middle;
    }
    for (let at = low; at < this.entries.length; at++) {
      const candidate = this.entries[at] as E;
      if (candidate === entry) {
        this.entries.splice(at, 1);
        return true;
      }
      if (this.compare(candidate, entry) !== 0) break;
    }
    const fallback = this.entries.indexOf(entry);
    if (fallback < 0) return false;
    this.entries.splice(fallback, 1);
    return true;
  }
}

/** Where an entry sits: an exact pair, a `*` key, or the bucket every lookup visits. */
interface Placement<E> {
  readonly bucket: SortedBucket<E>;
  readonly key?: string;
  readonly value?: string;
}

/** Selectors with their entries, bucketed by the tags they require. */
export class SelectorIndex<E> {
  private readonly exact = new Map<string, Map<string, SortedBucket<E>>>();
  private readonly present = new Map<string, SortedBucket<E>>();
  private readonly always: SortedBucket<E>;
  private readonly placements = new Map<E, Placement<E>>();

  constructor(private readonly compare: (a: E, b: E) => number) {
    this.always = new SortedBucket(compare);
  }

  /** Number of entries held. */
  get size(): number {
    return this.placements.size;
  }

  /** Adds an entry for a selector. An entry object must be added once. */
  add(selector: Selector, entry: E): void {
    const placement = this.place(selector);
    placement.bucket.insert(entry);
    this.placements.set(entry, placement);
  }

  /** Removes an entry; `false` when absent. Empty buckets are dropped. */
  remove(entry: E): boolean {
    const placement = this.placements.get(entry);
    if (placement === undefined) return false;
    this.placements.delete(entry);
    placement.bucket.remove(entry);
    if (placement.bucket.entries.length > 0 || placement.key === undefined) return true;
    if (placement.value === undefined) {
      this.present.delete(placement.key);
      return true;
    }
    const byValue = this.exact.get(placement.key);
    byValue?.delete(placement.value);
    if (byValue?.size === 0) this.exact.delete(placement.key);
    return true;
  }

  /**
   * The buckets that may hold entries whose selector matches `tags`, each sorted by the index's
   * order. Entries still have to be checked against `tags`; an entry appears in one bucket only.
   */
  bucketsFor(tags: Tags): SortedBucket<E>[] {
    const buckets: SortedBucket<E>[] = [];
    if (this.always.entries.length > 0) buckets.push(this.always);
    for (const key in tags) {
      const byValue = this.exact.get(key)?.get(tags[key] as string);
      if (byValue !== undefined) buckets.push(byValue);
      const byKey = this.present.get(key);
      if (byKey !== undefined) buckets.push(byKey);
    }
    return buckets;
  }

  /** The smallest bucket among the selector's exact pairs, else among its `*` keys. */
  private place(selector: Selector): Placement<E> {
    let pair: [string, string] | undefined;
    let pairSize = Number.POSITIVE_INFINITY;
    let wildcardKey: string | undefined;
    let wildcardSize = Number.POSITIVE_INFINITY;
    for (const key in selector) {
      const value = selector[key] as string;
      if (value === wildcard) {
        const size = this.present.get(key)?.entries.length ?? 0;
        if (size < wildcardSize) [wildcardKey, wildcardSize] = [key, size];
      } else {
        const size = this.exact.get(key)?.get(value)?.entries.length ?? 0;
        if (size < pairSize) [pair, pairSize] = [[key, value], size];
      }
    }
    if (pair !== undefined) {
      const [key, value] = pair;
      let byValue = this.exact.get(key);
      if (byValue === undefined) {
        byValue = new Map();
        this.exact.set(key, byValue);
      }
      let bucket = byValue.get(value);
      if (bucket === undefined) {
        bucket = new SortedBucket(this.compare);
        byValue.set(value, bucket);
      }
      return { bucket, key, value };
    }
    if (wildcardKey !== undefined) {
      let bucket = this.present.get(wildcardKey);
      if (bucket === undefined) {
        bucket = new SortedBucket(this.compare);
        this.present.set(wildcardKey, bucket);
      }
      return { bucket, key: wildcardKey };
    }
    return { bucket: this.always };
  }
}
