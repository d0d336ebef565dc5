/**
 * `POST /meshes/{mesh}/_inspect/traffic` with `{"source":{tags},"destination":{tags}}`: which
 * TrafficPermission or MeshTrafficPermission decides that call and why — the same JSON as
 * `zmctl inspect traffic -o json` (`{"decision","policy","reason"}`). A read: anyone who may read
 * may ask. The mesh's policies are read from the store for each question, so the answer always
 * reflects what is stored.
 */
import { MeshError, Tags, type FieldError, type ResourceType } from '@zonemesh/api';
import { createPolicyEngine } from '@zonemesh/policy';
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
  router.post('/meshes/:mesh/_inspect/traffic', (req) => inspectTraffic(deps, req));
}

async function inspectTraffic(deps: ApiDependencies, req: HttpRequest): Promise<HttpResponse> {
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
  const mesh = await deps.store.get({ type: 'Mesh', name: meshName });
  if (mesh === undefined) throw new MeshError('NotFound', `mesh "${meshName}" does not exist`);
  const engine = createPolicyEngine({ mesh: meshName });
  engine.upsert(mesh);
  for (const type of trafficKinds) {
    for (const policy of await allOfMesh(deps.store, type, meshName)) engine.upsert(policy);
  }
  return { body: engine.decideTraffic({ source: parsed.data.source, destination: parsed.data.destination }) };
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
