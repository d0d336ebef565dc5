/**
 * `GET /zones/_overview`: every zone with its insight (online, last seen, revision lag, resource
 * counts). On global it is sync's view plus declared `Zone` resources never seen yet (Offline);
 * on a zone control plane it is the zone itself and its link to global.
 */
import { kindDescriptors, type ResourceType } from '@zonemesh/api';
import type { Router } from '@zonemesh/runtime';
import type { ResourceStore } from '@zonemesh/store';
import type { ApiDependencies } from './api-dependencies.js';
import { pageItems, pageOf } from './paging.js';

/** One zone in `GET /zones/_overview`. */
export interface ZoneOverviewItem {
  readonly name: string;
  readonly online: boolean;
  /** RFC 3339, when global last heard from the zone. */
  readonly lastSeen?: string;
  /** Global revisions the zone has not applied yet; absent when this control plane cannot know. */
  readonly lag?: number;
  readonly resources: Readonly<Record<string, number>>;
  readonly wireVersion?: string;
  readonly problem?: string;
  /** Zone side only: whether it is connected to global at all (has `--nats-url`). */
  readonly federated?: boolean;
  /** Zone side only: the last global revision this zone applied. */
  readonly appliedRevision?: number;
}

/** Registers `/zones/_overview`. */
export function addZoneRoutes(router: Router, deps: ApiDependencies): void {
  router.get('/zones/_overview', async (req) => {
    const page = pageOf(req);
    const zones = deps.config.mode === 'global' ? await globalView(deps) : [await zoneView(deps)];
    return { body: pageItems(req, page, zones) };
  });
}

async function globalView(deps: ApiDependencies): Promise<ZoneOverviewItem[]> {
  const seen: ZoneOverviewItem[] = [...deps.federation.zones()];
  const known = new Set(seen.map((zone) => zone.name));
  for (const name of await allNames(deps.store, 'Zone')) {
    if (!known.has(name)) seen.push({ name, online: false, resources: {} });
  }
  return seen.sort((a, b) => a.name.localeCompare(b.name));
}

async function zoneView(deps: ApiDependencies): Promise<ZoneOverviewItem> {
  const status = deps.federation.zoneStatus();
  const resources = await countByKind(deps.store);
  const name = deps.config.zone ?? 'default';
  if (status === undefined) return { name, online: true, resources, federated: false };
  return {
    name,
    online: status.connected,
    resources,
    federated: true,
    appliedRevision: status.appliedRevision,
    ...(status.lastError === undefined ? {} : { problem: status.lastError }),
  };
}

async function allNames(store: ResourceStore, type: ResourceType): Promise<string[]> {
  const names: string[] = [];
  for (let offset: number | undefined = 0; offset !== undefined; ) {
    const page = await store.list(type, { offset, size: 1000 });
    names.push(...page.items.map((item) => item.meta.name));
    offset = page.next;
  }
  return names;
}

async function countByKind(store: ResourceStore): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const descriptor of kindDescriptors) {
    const { total } = await store.list(descriptor.type, { size: 1 });
    if (total > 0) counts[descriptor.type] = total;
  }
  return counts;
}
