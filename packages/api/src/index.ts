/** @zonemesh/api — the resource language shared by every zonemesh package. */
export { MeshError, httpStatusByCode, isMeshError, toMeshError } from './errors.js';
export { Labels, Tags, formatKey, isMeshScoped, isResourceType, keyOf, resourceTypes } from './resource.js';
export type { FieldError, MeshErrorCode, MeshErrorOptions } from './errors.js';
export type { NewResource, Resource, ResourceKey, ResourceMeta, ResourceType } from './resource.js';
export type { KindDescriptor, KindOrigin, KindScope, SyncDirection, UniversalLayout } from './descriptor.js';
