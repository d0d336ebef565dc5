/**
 * Resource endpoints on Kuma's paths: `/meshes[/{name}]`, `/meshes/{mesh}/{plural}[/{name}]` for
 * mesh-scoped kinds, `/{plural}[/{name}]` for global-scoped kinds (and, for reads, mesh-scoped
 * kinds across every mesh). GET answers Kuma's Universal form with `creationTime`,
 * `modificationTime` and `labels`; the version goes in an `ETag` header and `If-Match` on
 * PUT/DELETE makes the write conditional (409 when stale). A refused write changes nothing.
 */
import {
  MeshError,
  decodeResource,
  isMeshError,
  isMeshScoped,
  kindDescriptors,
  toUniversal,
  type FieldError,
  type KindDescriptor,
  type NewResource,
  type Resource,
  type ResourceKey,
} from '@zonemesh/api';
import type { HttpRequest, HttpResponse, Router } from '@zonemesh/runtime';
import type { ApiDependencies } from './api-dependencies.js';
import { listBody, pageOf } from './paging.js';
import { identityOf, isAdmin } from './api-access.js';
import { redactSecrets } from './secret-redaction.js';
import { requireWritableKind, requireWriter } from './write-rules.js';

/** Registers every resource route. */
export function addResourceRoutes(router: Router, deps: ApiDependencies): void {
  const mesh = meshDescriptor();
  router
    .get('/meshes', (req) => list(deps, req, mesh))
    .get('/meshes/:name', (req) => get(deps, req, { type: 'Mesh', name: param(req, 'name') }))
    .put('/meshes/:name', (req) => put(deps, req, mesh, { type: 'Mesh', name: param(req, 'name') }))
    .delete('/meshes/:name', (req) => remove(deps, req, mesh, { type: 'Mesh', name: param(req, 'name') }))
    .get('/meshes/:mesh/:plural', (req) => list(deps, req, meshScoped(req), param(req, 'mesh')))
    .get('/meshes/:mesh/:plural/:name', (req) => get(deps, req, meshKey(req)))
    .put('/meshes/:mesh/:plural/:name', (req) => put(deps, req, meshScoped(req), meshKey(req)))
    .delete('/meshes/:mesh/:plural/:name', (req) => remove(deps, req, meshScoped(req), meshKey(req)))
    .get('/:plural', (req) => list(deps, req, byPlural(req)))
    .get('/:plural/:name', (req) => get(deps, req, globalKey(req)))
    .put('/:plural/:name', (req) => put(deps, req, globalScoped(req), globalKey(req)))
    .delete('/:plural/:name', (req) => remove(deps, req, globalScoped(req), globalKey(req)));
}

async function list(
  deps: ApiDependencies,
  req: HttpRequest,
  descriptor: KindDescriptor,
  mesh?: string,
): Promise<HttpResponse> {
  const page = pageOf(req);
  const options = { size: page.size, offset: page.offset, ...(mesh === undefined ? {} : { mesh }) };
  const result = await deps.store.list(descriptor.type, options);
  const items = result.items.map((resource) => readable(req, resource));
  return { body: listBody(req, page, items, result.total, result.next) };
}

async function get(deps: ApiDependencies, req: HttpRequest, key: ResourceKey): Promise<HttpResponse> {
  const resource = await deps.store.get(key);
  if (resource === undefined) throw notFound(key);
  return { headers: { etag: `"${resource.meta.version}"` }, body: readable(req, resource) };
}

/** The Universal form a caller may read: secrets only for admins (see secret-redaction.ts). */
function readable(req: HttpRequest, resource: Resource): Record<string, unknown> {
  const universal = toUniversal(resource);
  return isAdmin(identityOf(req)) ? universal : redactSecrets(resource.type, universal);
}

async function put(
  deps: ApiDependencies,
  req: HttpRequest,
  descriptor: KindDescriptor,
  key: ResourceKey,
): Promise<HttpResponse> {
  requireWriter(req, deps.config);
  requireWritableKind(descriptor, deps.config);
  const body = await req.body();
  if (body === undefined) {
    throw new MeshError(
      'InvalidInput',
      'request body is empty: send the resource as JSON or YAML (Universal form)',
    );
  }
  const resource = decodeResource(withUrlMesh(body, key));
  checkMatchesUrl(resource, descriptor, key);
  if (key.mesh !== undefined && (await deps.store.get({ type: 'Mesh', name: key.mesh })) === undefined) {
    throw new MeshError('InvalidInput', `mesh "${key.mesh}" does not exist`, {
      causes: [{ field: 'mesh', message: `mesh "${key.mesh}" does not exist; create it first` }],
    });
  }
  const version = ifMatch(req);
  const existing = await deps.store.get(key);
  if (existing === undefined && version !== undefined) {
    throw new MeshError('Conflict', `${describe(key)} no longer exists (If-Match ${version})`);
  }
  if (isDryRun(req)) return { status: existing === undefined ? 201 : 200, body: toUniversal(resource) };
  const stored =
    existing === undefined
      ? await deps.store.create(resource)
      : await deps.store.update(resource, version === undefined ? {} : { version });
  return {
    status: existing === undefined ? 201 : 200,
    headers: { etag: `"${stored.meta.version}"` },
    body: toUniversal(stored),
  };
}

async function remove(
  deps: ApiDependencies,
  req: HttpRequest,
  descriptor: KindDescriptor,
  key: ResourceKey,
): Promise<HttpResponse> {
  requireWriter(req, deps.config);
  requireWritableKind(descriptor, deps.config);
  const version = ifMatch(req);
  if ((await deps.store.get(key)) === undefined) throw notFound(key);
  if (key.type === 'Mesh') await checkMeshDeletable(deps, key.name);
  if (isDryRun(req)) return { body: {} };
  await deps.store.delete(key, version === undefined ? {} : { version });
  if (key.type === 'Mesh') await deleteMeshContents(deps, key.name);
  return { body: {} };
}

/** As Kuma: a mesh with Dataplanes still attached cannot be deleted. */
async function checkMeshDeletable(deps: ApiDependencies, mesh: string): Promise<void> {
  const { total } = await deps.store.list('Dataplane', { mesh, size: 1 });
  if (total > 0) {
    throw new MeshError(
      'InvalidInput',
      `unable to delete mesh "${mesh}": ${total} dataplanes are still attached`,
      {
        causes: [
          { field: 'mesh', message: 'unable to delete mesh, there are still some dataplanes attached' },
        ],
      },
    );
  }
}

/**
 * As Kuma: deleting a mesh deletes its policies too. Runs after the Mesh is gone, so nothing new
 * can be written into it meanwhile (writes check that the mesh exists).
 */
async function deleteMeshContents(deps: ApiDependencies, mesh: string): Promise<void> {
  for (const descriptor of kindDescriptors) {
    if (!isMeshScoped(descriptor.type)) continue;
    for (;;) {
      const page = await deps.store.list(descriptor.type, { mesh, size: 1000 });
      if (page.items.length === 0) break;
      for (const resource of page.items) {
        await deps.store
          .delete({ type: resource.type, name: resource.meta.name, mesh })
          .catch((err: unknown) => {
            if (!isMeshError(err, 'NotFound')) throw err;
          });
      }
    }
  }
}

/** A Universal-form body of a mesh-scoped kind may leave out `mesh`: the URL says it. */
function withUrlMesh(body: unknown, key: ResourceKey): unknown {
  if (key.mesh === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const record = body as Record<string, unknown>;
  if ('apiVersion' in record || 'mesh' in record) return body;
  return { ...record, mesh: key.mesh };
}

function checkMatchesUrl(resource: NewResource, descriptor: KindDescriptor, key: ResourceKey): void {
  const causes: FieldError[] = [];
  if (resource.type !== descriptor.type) {
    causes.push({ field: 'type', message: `must be ${descriptor.type} at this URL (got ${resource.type})` });
  }
  if (resource.meta.name !== key.name) {
    causes.push({
      field: 'name',
      message: `must match the name in the URL ("${key.name}"), got "${resource.meta.name}"`,
    });
  }
  if (key.mesh !== undefined && resource.meta.mesh !== key.mesh) {
    causes.push({
      field: 'mesh',
      message: `must match the mesh in the URL ("${key.mesh}"), got "${resource.meta.mesh ?? ''}"`,
    });
  }
  if (causes.length > 0)
    throw new MeshError('InvalidInput', 'the resource does not match its URL', { causes });
}

function ifMatch(req: HttpRequest): string | undefined {
  const header = req.headers['if-match'];
  if (header === undefined || header === '*') return undefined;
  return header.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

function isDryRun(req: HttpRequest): boolean {
  const value = req.query.get('dryRun') ?? req.query.get('dry-run');
  return value !== null && value !== 'false' && value !== '0';
}

function notFound(key: ResourceKey): MeshError {
  return new MeshError('NotFound', `${describe(key)} not found`);
}

function describe(key: ResourceKey): string {
  return key.mesh === undefined
    ? `${key.type} "${key.name}"`
    : `${key.type} "${key.name}" in mesh "${key.mesh}"`;
}

function param(req: HttpRequest, name: string): string {
  const value = req.params[name];
  if (value === undefined) throw new Error(`route has no :${name}`);
  return value;
}

function meshDescriptor(): KindDescriptor {
  const mesh = kindDescriptors.find((descriptor) => descriptor.type === 'Mesh');
  if (mesh === undefined) throw new Error('no Mesh descriptor');
  return mesh;
}

function byPlural(req: HttpRequest): KindDescriptor {
  const plural = param(req, 'plural');
  const descriptor = kindDescriptors.find((candidate) => candidate.plural === plural);
  if (descriptor === undefined) throw new MeshError('NotFound', `no such endpoint: /${plural}`);
  return descriptor;
}

function meshScoped(req: HttpRequest): KindDescriptor {
  const descriptor = byPlural(req);
  if (!isMeshScoped(descriptor.type)) {
    throw new MeshError('NotFound', `${descriptor.type} is not mesh-scoped: use /${descriptor.plural}`);
  }
  return descriptor;
}

function globalScoped(req: HttpRequest): KindDescriptor {
  const descriptor = byPlural(req);
  if (isMeshScoped(descriptor.type)) {
    throw new MeshError(
      'NotFound',
      `${descriptor.type} is mesh-scoped: use /meshes/{mesh}/${descriptor.plural}/{name}`,
    );
  }
  return descriptor;
}

function meshKey(req: HttpRequest): ResourceKey {
  return { type: meshScoped(req).type, mesh: param(req, 'mesh'), name: param(req, 'name') };
}

function globalKey(req: HttpRequest): ResourceKey {
  return { type: globalScoped(req).type, name: param(req, 'name') };
}
