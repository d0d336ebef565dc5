/**
 * Paging of list endpoints: `?size=N&offset=K` (size 1..1000, default 100) and the answer
 * `{"total","items","next"}`, where `next` is the URL of the next page or null (as in Kuma).
 */
import { MeshError, type FieldError } from '@zonemesh/api';
import type { HttpRequest } from '@zonemesh/runtime';

/** Default page size. */
export const defaultPageSize = 100;
/** Largest page a client may ask for. */
export const maxPageSize = 1000;

export interface Page {
  readonly size: number;
  readonly offset: number;
}

/** The page a request asks for; throws `InvalidInput` naming `size`/`offset` when malformed. */
export function pageOf(request: HttpRequest): Page {
  const errors: FieldError[] = [];
  const read = (name: 'size' | 'offset', fallback: number, min: number, max: number): number => {
    const text = request.query.get(name);
    if (text === null || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      errors.push({ field: name, message: `must be an integer from ${min} to ${max}` });
      return fallback;
    }
    return value;
  };
  const page = {
    size: read('size', defaultPageSize, 1, maxPageSize),
    offset: read('offset', 0, 0, Number.MAX_SAFE_INTEGER),
  };
  if (errors.length > 0) throw new MeshError('InvalidInput', 'invalid paging parameters', { causes: errors });
  return page;
}

/** The list answer. */
export interface ListBody<T> {
  readonly total: number;
  readonly items: readonly T[];
  readonly next: string | null;
}

/** Builds the list answer; `next` is the offset of the next page (absent on the last one). */
export function listBody<T>(
  request: HttpRequest,
  page: Page,
  items: readonly T[],
  total: number,
  next?: number,
): ListBody<T> {
  if (next === undefined) return { total, items, next: null };
  const query = new URLSearchParams(request.query);
  query.set('size', String(page.size));
  query.set('offset', String(next));
  return { total, items, next: `${request.baseUrl}${encodeURI(request.path)}?${query.toString()}` };
}

/** Pages an in-memory list (for views not backed by a store list). */
export function pageItems<T>(request: HttpRequest, page: Page, all: readonly T[]): ListBody<T> {
  const items = all.slice(page.offset, page.offset + page.size);
  const end = page.offset + items.length;
  return listBody(request, page, items, all.length, end < all.length ? end : undefined);
}
