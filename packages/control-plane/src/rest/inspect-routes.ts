/**
 * `POST /meshes/{mesh}/_inspect/traffic` with `{"source":{tags},"destination":{tags}}`: which
 * TrafficPermission or MeshTrafficPermission decides that call and why — the same JSON as
 * `zmctl inspect traffic -o json` (`{"decision","policy","reason"}`). A read: anyone who may read
 * may ask. The answer always reflects what is stored: the engine built from a mesh's policies is
 * reused only while the store's revision is unchanged (any write rebuilds it at the next question).
 */
import { MeshError, Tags, type FieldError, type ResourceType } from '@zonemesh/api';
import { createPolicyEngine, type PolicyEngine } from '@zonemesh/policy';
import type { HttpRequest, HttpResponse, Router } from '@zonemesh/runtime';
import type { ResourceStore } from '@zonemesh/store';
import * as z from 'zod';
import type { ApiDependencies } from './api-dependencies.js';

const TagsSchema = z.record(z.string().min(1), z.string(), { error: 'must be a map of tag names to values' });

/** The question: a client's tags and a destination inbound's tags. */
const TrafficQuestionSchema = z.object({
  source: TagsSchema,
  destination: TagsSchema.refine((tags) => tags[Tags.service] !== undefined, {
    message: `must include ${Tags.service}`,
  }),
});

/** Kinds that decide traffic, read for each question. */
const trafficKinds: readonly ResourceType[] = ['TrafficPermission', 'MeshTrafficPermission'];

/** Registers the inspection routes. */
export function addInspectRoutes(router: Router, deps: ApiDependencies): void {
  const engines = new Map<string, { readonly revision: number; readonly engine: PolicyEngine }>();
  router.post('/meshes/:mesh/_inspect/traffic', (req) => inspectTraffic(deps, engines, req));
}

async function inspectTraffic(
  deps: ApiDependencies,
  engines: Map<string, { readonly revision: number; readonly engine: PolicyEngine }>,
  req: HttpRequest,
): Promise<HttpResponse> {
  const meshName = req.params.mesh ?? '';
  const parsed = TrafficQuestionSchema.safeParse(await req.body());
  if (!parsed.success) {
    const causes: FieldError[] = parsed.error.issues.map((issue) => ({
      field: issue.path.map(String).join('.') || '(body)',
      message: issue.message,
    }));
    throw new MeshError('InvalidInput', 'the question must be {"source":{tags},"destination":{tags}}', {
      causes,
    });
  }
  // Read before the data: an engine is never older than the revision it is cached under.
  const revision = await deps.store.revision();
  let engine = engines.get(meshName)?.revision === revision ? engines.get(meshName)?.engine : undefined;
  if (engine === undefined) {
    engine = await buildEngine(deps.store, meshName);
    engines.set(meshName, { revision, engine });
  }
  return { body: engine.decideTraffic({ source: parsed.data.source, destination: parsed.data.destination }) };
}

/** An engine holding the mesh and its traffic policies; `NotFound` when the mesh does not exist. */
async function buildEngine(store: ResourceStore, meshName: string): Promise<PolicyEngine> {
  const mesh = await store.get({ type: 'Mesh', name: meshName });
  if (mesh === undefined) throw new MeshError('NotFound', `mesh "${meshName}" does not exist`);
  const engine = createPolicyEngine({ mesh: meshName });
  engine.upsert(mesh);
  for (const type of trafficKinds) {
    for (const policy of await allOfMesh(store, type, meshName)) engine.upsert(policy);
  }
  return engine;
}

async function allOfMesh(store: ResourceStore, type: ResourceType, mesh: string) {
  const items = [];
  for (let offset: number | undefined = 0; offset !== undefined; ) {
    const page = await store.list(type, { mesh, offset, size: 1000 });
    items.push(...page.items);
    offset = page.next;
  }
  return items;
}
