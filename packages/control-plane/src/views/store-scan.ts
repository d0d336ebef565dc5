/** Reading every resource of a kind, page by page: the read views need whole sets, not pages. */
import type { Resource, ResourceType } from '@zonemesh/api';
import type { ResourceStore } from '@zonemesh/store';

/** The store's largest page. */
const pageSize = 1000;

/** Every resource of `type` (in `mesh` when given), in the store's order. */
export async function readAll(store: ResourceStore, type: ResourceType, mesh?: string): Promise<Resource[]> {
  const items: Resource[] = [];
  for (let offset: number | undefined = 0; offset !== undefined; ) {
    const page = await store.list(type, { offset, size: pageSize, ...(mesh === undefined ? {} : { mesh }) });
    items.push(...page.items);
    offset = page.next;
  }
  return items;
}

/** How many resources of `type` there are (in `mesh` when given), without reading them. */
export async function countOf(store: ResourceStore, type: ResourceType, mesh?: string): Promise<number> {
  const page = await store.list(type, { size: 1, ...(mesh === undefined ? {} : { mesh }) });
  return page.total;
}
