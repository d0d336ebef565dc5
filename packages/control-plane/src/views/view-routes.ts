/**
 * Read views for the GUI and `zmctl inspect` (zonemesh extensions beside Kuma's paths, plus
 * Kuma's dataplane inspect path). All are reads, open to anyone who may read, computed from the
 * store on each request so they always show what is stored:
 *
 * - `GET /meshes/_overview` — each mesh with its mTLS state and counts
 * - `GET /meshes/{mesh}/services` — services with zones, instances, healthy instances, ingresses
 * - `GET /meshes/{mesh}/dataplanes/_overview` — Dataplanes with zone, tags, proxy state, inbound health
 * - `GET /meshes/{mesh}/dataplanes/{name}/_overview` — one of them
 * - `GET /meshes/{mesh}/dataplanes/{name}/policies` — the policies that apply to each inbound and outbound
 *
 * Lists take `?size=N&offset=K` and answer `{"total","items","next"}` like every list.
 */
import {
  isMeshScoped,
  kindDescriptors,
  type DataplaneStatus,
  MeshError,
  type MeshOverview,
  MeshSpecSchema,
  type Resource,
  type ResourceType,
} from '@zonemesh/api';
import type { HttpRequest, Router } from '@zonemesh/runtime';
import type { ApiDependencies } from '../rest/api-dependencies.js';
import { pageItems, pageOf } from '../rest/paging.js';
import { dataplaneStatusOf, type ZoneContext } from './dataplane-status.js';
import { dataplanePolicyKinds, inspectDataplanePolicies } from './dataplane-policies.js';
import { summarizeServices } from './services-view.js';
import { countOf, readAll } from './store-scan.js';

/** Registers the read views. */
export function addViewRoutes(router: Router, deps: ApiDependencies): void {
  router
    .get('/meshes/_overview', async (req) => ({
      body: pageItems(req, pageOf(req), await meshOverviews(deps)),
    }))
    .get('/meshes/:mesh/services', async (req) => {
      const page = pageOf(req);
      const mesh = await requireMesh(deps, req);
      const services = summarizeServices({
        mesh: mesh.meta.name,
        dataplanes: await dataplanesOf(deps, mesh.meta.name),
        ingresses: await readAll(deps.store, 'ZoneIngress'),
        context: zoneContext(deps),
      });
      return { body: pageItems(req, page, services) };
    })
    .get('/meshes/:mesh/dataplanes/_overview', async (req) => {
      const page = pageOf(req);
      const mesh = await requireMesh(deps, req);
      return { body: pageItems(req, page, await dataplanesOf(deps, mesh.meta.name)) };
    })
    .get('/meshes/:mesh/dataplanes/:name/_overview', async (req) => {
      const mesh = await requireMesh(deps, req);
      return { body: await requireDataplane(deps, mesh, req.params.name ?? '') };
    })
    .get('/meshes/:mesh/dataplanes/:name/policies', async (req) => {
      const mesh = await requireMesh(deps, req);
      const dataplane = await requireDataplane(deps, mesh, req.params.name ?? '');
      const policies: Resource[] = [];
      for (const type of dataplanePolicyKinds)
        policies.push(...(await readAll(deps.store, type, mesh.meta.name)));
      return { body: inspectDataplanePolicies({ dataplane, mesh, policies }) };
    });
}

function zoneContext(deps: ApiDependencies): ZoneContext {
  return { localZone: deps.config.mode === 'zone' ? deps.config.zone : undefined };
}

async function requireMesh(deps: ApiDependencies, req: HttpRequest): Promise<Resource> {
  const name = req.params.mesh ?? '';
  const mesh = await deps.store.get({ type: 'Mesh', name });
  if (mesh === undefined) throw new MeshError('NotFound', `mesh "${name}" does not exist`);
  return mesh;
}

async function requireDataplane(
  deps: ApiDependencies,
  mesh: Resource,
  name: string,
): Promise<DataplaneStatus> {
  const resource = await deps.store.get({ type: 'Dataplane', mesh: mesh.meta.name, name });
  if (resource === undefined) {
    throw new MeshError('NotFound', `Dataplane "${name}" in mesh "${mesh.meta.name}" not found`);
  }
  const dataplane = dataplaneStatusOf(resource, zoneContext(deps));
  if (dataplane === undefined) throw new MeshError('Internal', `stored Dataplane "${name}" does not parse`);
  return dataplane;
}

async function dataplanesOf(deps: ApiDependencies, mesh: string): Promise<DataplaneStatus[]> {
  const context = zoneContext(deps);
  const statuses: DataplaneStatus[] = [];
  for (const resource of await readAll(deps.store, 'Dataplane', mesh)) {
    const status = dataplaneStatusOf(resource, context);
    if (status !== undefined) statuses.push(status);
  }
  return statuses.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Policy kinds counted per mesh: mesh-scoped kinds other than Dataplane. */
const policyTypes: readonly ResourceType[] = kindDescriptors
  .map((descriptor) => descriptor.type)
  .filter((type) => isMeshScoped(type) && type !== 'Dataplane');

async function meshOverviews(deps: ApiDependencies): Promise<MeshOverview[]> {
  const meshes = await readAll(deps.store, 'Mesh');
  const ingresses = await readAll(deps.store, 'ZoneIngress');
  const overviews: MeshOverview[] = [];
  for (const mesh of meshes) {
    const name = mesh.meta.name;
    const spec = MeshSpecSchema.safeParse(mesh.spec);
    const backend = spec.success ? (spec.data.mtls?.enabledBackend ?? '') : '';
    const dataplanes = await dataplanesOf(deps, name);
    const policies: Record<string, number> = {};
    for (const type of policyTypes) policies[type] = await countOf(deps.store, type, name);
    overviews.push({
      name,
      mtls: { enabled: backend !== '', backend: backend === '' ? null : backend },
      dataplanes: {
        total: dataplanes.length,
        online: dataplanes.filter((dataplane) => dataplane.online === true).length,
        offline: dataplanes.filter((dataplane) => dataplane.online === false).length,
        unreported: dataplanes.filter((dataplane) => dataplane.online === null).length,
      },
      services: summarizeServices({ mesh: name, dataplanes, ingresses, context: zoneContext(deps) }).length,
      policies,
    });
  }
  return overviews.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
