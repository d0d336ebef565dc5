/**
 * What a zone holds: every resource in its store, counted per kind — the Meshes, policies and
 * Zones it received from global, its own Dataplanes and ZoneIngresses, and the ingresses of other
 * zones global forwarded. The zone reports these counts in its heartbeats (`held`, wire 1.1), and
 * global shows them as the zone's RESOURCES.
 */
import { formatKey, keyOf, type Resource } from '@zonemesh/api';
import type { StoreEvent } from '@zonemesh/store';
import type { StoreFollowerHandlers } from '../store-follower.js';

/** Counts a store's resources per kind, kept in step by a store follower. */
export class HeldResources implements StoreFollowerHandlers {
  /** Formatted key -> kind, to count a delete or a re-create once. */
  readonly #kinds = new Map<string, string>();
  readonly #counts = new Map<string, number>();
  readonly #onChange: () => void;

  /** `onChange` is called after the counts changed (not for updates, which change no count). */
  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  reset(resources: readonly Resource[]): void {
    this.#kinds.clear();
    this.#counts.clear();
    for (const resource of resources) this.#add(formatKey(keyOf(resource)), resource.type);
    this.#onChange();
  }

  change(event: StoreEvent): void {
    const key = formatKey(keyOf(event.resource));
    const changed = event.type === 'delete' ? this.#remove(key) : this.#add(key, event.resource.type);
    if (changed) this.#onChange();
  }

  #add(key: string, kind: string): boolean {
    if (this.#kinds.has(key)) return false;
    this.#kinds.set(key, kind);
    this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + 1);
    return true;
  }

  #remove(key: string): boolean {
    const kind = this.#kinds.get(key);
    if (kind === undefined) return false;
    this.#kinds.delete(key);
    const left = (this.#counts.get(kind) ?? 1) - 1;
    if (left === 0) this.#counts.delete(kind);
    else this.#counts.set(kind, left);
    return true;
  }

  /** Resources per kind (kinds with none are left out). */
  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }
}
