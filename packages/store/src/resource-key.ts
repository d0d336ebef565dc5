/**
 * How stores order and address resources within one kind: by mesh, then name, byte-wise. Both
 * backends share this so that paging returns the same pages everywhere.
 */
import { isMeshScoped, type ResourceKey, type ResourceType } from '@zonemesh/api';

/**
 * `<mesh>\0<name>` (global-scoped kinds: `\0<name>`). NUL sorts before every character a mesh name
 * may hold, so byte order of these fields is "mesh, then name".
 */
export function sortField(key: { readonly mesh?: string; readonly name: string }): string {
  return `${key.mesh ?? ''}\0${key.name}`;
}

/** The mesh a list call filters on: none for global-scoped kinds, whatever the caller asked. */
export function listMesh(type: ResourceType, mesh: string | undefined): string | undefined {
  return isMeshScoped(type) ? mesh : undefined;
}

/**
 * Code-unit order, not locale order. It equals Redis's byte order for the ASCII names the
 * contract allows (see `withContractChecks`).
 */
export function compareFields(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `Dataplane web-1 in mesh default`, for error messages. */
export function describeKey(key: ResourceKey): string {
  return key.mesh === undefined ? `${key.type} ${key.name}` : `${key.type} ${key.name} in mesh ${key.mesh}`;
}

export const defaultPageSize = 100;
export const maxPageSize = 1000;
