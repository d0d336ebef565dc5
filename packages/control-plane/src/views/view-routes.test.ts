/**
 * The read views over HTTP on a memory store, as the GUI and `zmctl inspect dataplane` read them:
 * services per zone with healthy counts and ingresses, dataplane overviews, the policies that
 * apply to each inbound and outbound, mesh overviews, and the control plane's own gauges.
 */
import type { NewResource } from '@zonemesh/api';
import { createHttpServer, createLogger, createMetricsRegistry, type Registry } from '@zonemesh/runtime';
import { createMemoryStore, type ResourceStore } from '@zonemesh/store';
import {
  dataplane,
  healthCheck,
  mesh,
  meshTrafficPermission,
  trafficPermission,
  trafficRoute,
  zoneIngress,
} from '@zonemesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { testAuth } from '../auth/__fixtures__/test-auth.js';
import { ControlPlaneConfigSchema } from '../config.js';
import { noFederation } from '../federation.js';
import { createApiRouter } from '../rest/api-server.js';

interface Api {
  readonly base: string;
  readonly store: ResourceStore;
  readonly metrics: Registry;
  stop(): Promise<void>;
}

const running: Api[] = [];

async function startApi(flags: Record<string, string>, resources: readonly NewResource[]): Promise<Api> {
  const config = ControlPlaneConfigSchema.parse(flags);
  const store = createMemoryStore();
  for (const resource of resources) await store.create(resource);
  const metrics = createMetricsRegistry({ defaultMetrics: false });
  const server = createHttpServer({
    name: 'api-server',
    address: { host: '127.0.0.1', port: 0 },
    router: createApiRouter(
      { config, version: '9.9.9', store, federation: noFederation, auth: testAuth(config, store) },
      metrics,
    ),
    log: createLogger({ level: 'silent' }),
  });
  const controller = new AbortController();
  const { done } = await server.start(controller.signal);
  const api: Api = {
    base: `http://127.0.0.1:${server.address()?.port}`,
    store,
    metrics,
    async stop() {
      controller.abort();
      await done;
      await store.close();
    },
  };
  running.push(api);
  return api;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((api) => api.stop()));
});

async function get(api: Api, path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${api.base}${path}`);
  return { status: response.status, body: await response.json() };
}

const mtlsMesh = mesh('default', {
  mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] },
});

/** A Dataplane as global holds it: named `<zone>.<name>`, labelled with its zone. */
function zoneDataplane(zone: string, name: string, service: string, healthy = true): NewResource {
  const resource = dataplane({
    name: `${zone}.${name}`,
    mesh: 'default',
    address: '10.0.0.1',
    inbound: [
      { port: 8080, servicePort: 80, tags: { 'kuma.io/service': service, 'kuma.io/protocol': 'http' } },
    ],
    labels: { 'kuma.io/zone': zone, 'kuma.io/origin': 'zone' },
  });
  if (healthy) return resource;
  const spec = resource.spec as { networking: { inbound: Record<string, unknown>[] } };
  const [inbound] = spec.networking.inbound;
  return {
    ...resource,
    spec: { networking: { ...spec.networking, inbound: [{ ...inbound, health: { ready: false } }] } },
  };
}

describe('GET /meshes/{mesh}/services', () => {
  it('counts instances and healthy instances per zone and lists the ingresses offering each service', async () => {
    const api = await startApi({ mode: 'global' }, [
      mtlsMesh,
      zoneDataplane('zone-1', 'backend-a', 'backend'),
      zoneDataplane('zone-1', 'backend-b', 'backend', false),
      zoneDataplane('zone-2', 'backend-c', 'backend'),
      zoneDataplane('zone-2', 'web-a', 'web'),
      zoneIngress({
        name: 'zone-2.ingress',
        zone: 'zone-2',
        address: '10.0.2.1',
        port: 10001,
        advertisedAddress: '192.0.2.2',
        advertisedPort: 10001,
        availableServices: [{ tags: { 'kuma.io/service': 'backend' }, instances: 1, mesh: 'default' }],
      }),
      // A zone whose Dataplanes global does not hold counts through its ingress alone.
      zoneIngress({
        name: 'zone-3.ingress',
        zone: 'zone-3',
        address: '10.0.3.1',
        port: 10001,
        availableServices: [
          { tags: { 'kuma.io/service': 'backend' }, instances: 4, mesh: 'default' },
          { tags: { 'kuma.io/service': 'backend' }, instances: 2, mesh: 'other' },
        ],
      }),
    ]);
    const { status, body } = await get(api, '/meshes/default/services');
    expect(status).toBe(200);
    expect(body.total).toBe(2);
    const [backend, web] = body.items;
    expect(backend).toMatchObject({
      name: 'backend',
      protocol: 'http',
      instances: 7,
      healthy: 6,
      zones: [
        { zone: 'zone-1', instances: 2, healthy: 1, source: 'dataplanes' },
        { zone: 'zone-2', instances: 1, healthy: 1, source: 'dataplanes' },
        { zone: 'zone-3', instances: 4, healthy: 4, source: 'ingress' },
      ],
      ingresses: [
        { name: 'zone-2.ingress', zone: 'zone-2', address: '192.0.2.2', port: 10001, instances: 1 },
        { name: 'zone-3.ingress', zone: 'zone-3', instances: 4 },
      ],
    });
    expect(web).toMatchObject({
      name: 'web',
      instances: 1,
      healthy: 1,
      zones: [{ zone: 'zone-2' }],
      ingresses: [],
    });
  });

  it('takes local Dataplanes as being in this zone, and answers 404 for an unknown mesh', async () => {
    const api = await startApi({ mode: 'zone', zone: 'zone-9' }, [
      mesh('default'),
      dataplane({
        name: 'web-1',
        mesh: 'default',
        address: '10.0.0.1',
        inbound: [{ port: 1, servicePort: 2, tags: 'web' }],
      }),
    ]);
    expect((await get(api, '/meshes/default/services')).body.items).toEqual([
      expect.objectContaining({
        name: 'web',
        zones: [{ zone: 'zone-9', instances: 1, healthy: 1, source: 'dataplanes' }],
      }),
    ]);
    const missing = await get(api, '/meshes/nope/services');
    expect(missing.status).toBe(404);
    expect(missing.body.title).toBe('mesh "nope" does not exist');
  });
});

describe('GET /meshes/{mesh}/dataplanes/_overview', () => {
  it('shows zone, proxy state and inbound health; offline proxies have no healthy inbound', async () => {
    const online = zoneDataplane('zone-1', 'a', 'web');
    const offline = zoneDataplane('zone-1', 'b', 'web');
    const api = await startApi({ mode: 'global' }, [
      mtlsMesh,
      {
        ...online,
        meta: { ...online.meta, labels: { ...online.meta.labels, 'zonemesh.io/online': 'true' } },
      },
      {
        ...offline,
        meta: { ...offline.meta, labels: { ...offline.meta.labels, 'zonemesh.io/online': 'false' } },
      },
      zoneDataplane('zone-2', 'c', 'web'),
    ]);
    const { body } = await get(api, '/meshes/default/dataplanes/_overview');
    expect(
      body.items.map((item: any) => [item.name, item.zone, item.online, item.inbounds[0].healthy]),
    ).toEqual([
      ['zone-1.a', 'zone-1', true, true],
      ['zone-1.b', 'zone-1', false, false],
      ['zone-2.c', 'zone-2', null, true],
    ]);
    expect((await get(api, '/meshes/default/dataplanes/zone-2.c/_overview')).body).toMatchObject({
      name: 'zone-2.c',
      inbounds: [{ name: '10.0.0.1:8080:80', service: 'web', tags: { 'kuma.io/service': 'web' } }],
    });
    expect((await get(api, '/meshes/default/dataplanes/nope/_overview')).status).toBe(404);
  });
});

describe('GET /meshes/{mesh}/dataplanes/{name}/policies', () => {
  const frontend: NewResource = {
    type: 'Dataplane',
    meta: { name: 'frontend-1', mesh: 'default' },
    spec: {
      networking: {
        address: '10.0.0.5',
        inbound: [{ port: 8080, servicePort: 80, tags: { 'kuma.io/service': 'frontend', version: 'v1' } }],
        outbound: [
          { port: 10001, tags: { 'kuma.io/service': 'backend' } },
          { port: 10002, tags: { 'kuma.io/service': 'db' } },
        ],
      },
    },
  };

  it('names the most specific TrafficPermission for each inbound and the old-style policies of each outbound', async () => {
    const api = await startApi({ mode: 'zone', zone: 'zone-1' }, [
      mtlsMesh,
      frontend,
      trafficPermission('allow-all', 'default', { 'kuma.io/service': '*' }, { 'kuma.io/service': '*' }),
      trafficPermission('public-frontend', 'default', { 'kuma.io/service': '*' }, 'frontend'),
      trafficRoute('frontend-to-backend', 'default', 'frontend', 'backend'),
      healthCheck('check-backends', 'default', { 'kuma.io/service': '*' }, 'backend'),
    ]);
    const { status, body } = await get(api, '/meshes/default/dataplanes/frontend-1/policies');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      total: 3,
      kind: 'SidecarDataplane',
      mesh: 'default',
      name: 'frontend-1',
      zone: 'zone-1',
      mtls: true,
    });
    const [inbound, toBackend, toDb] = body.items;
    expect(inbound).toMatchObject({ type: 'inbound', name: '10.0.0.5:8080:80', service: 'frontend' });
    expect(Object.keys(inbound.matchedPolicies)).toEqual(['TrafficPermission']);
    expect(inbound.matchedPolicies.TrafficPermission).toEqual([
      expect.objectContaining({ type: 'TrafficPermission', name: 'public-frontend', mesh: 'default' }),
    ]);
    expect(inbound.reasons.TrafficPermission).toMatch(/public-frontend wins over allow-all/);
    expect(toBackend).toMatchObject({ type: 'outbound', name: '127.0.0.1:10001', service: 'backend' });
    expect(toBackend.matchedPolicies.TrafficRoute.map((p: any) => p.name)).toEqual(['frontend-to-backend']);
    expect(toBackend.matchedPolicies.HealthCheck.map((p: any) => p.name)).toEqual(['check-backends']);
    expect(toDb.matchedPolicies).toEqual({});
    expect(toDb.reasons.HealthCheck).toMatch(/no HealthCheck/);
  });

  it('lists every MeshTrafficPermission selecting an inbound; TrafficPermissions then do not apply', async () => {
    const api = await startApi({ mode: 'zone', zone: 'zone-1' }, [
      mesh('default'),
      frontend,
      trafficPermission('public-frontend', 'default', { 'kuma.io/service': '*' }, 'frontend'),
      meshTrafficPermission('mesh-wide', 'default', 'web', 'Deny'),
      meshTrafficPermission('to-frontend', 'default', 'gateway', 'Allow', 'frontend'),
      meshTrafficPermission('to-backend', 'default', 'frontend', 'Allow', 'backend'),
    ]);
    const { body } = await get(api, '/meshes/default/dataplanes/frontend-1/policies');
    expect(body.mtls).toBe(false);
    const [inbound] = body.items;
    expect(Object.keys(inbound.matchedPolicies)).toEqual(['MeshTrafficPermission']);
    expect(inbound.matchedPolicies.MeshTrafficPermission.map((p: any) => p.name).sort()).toEqual([
      'mesh-wide',
      'to-frontend',
    ]);
    expect(inbound.reasons.MeshTrafficPermission).toMatch(/TrafficPermissions are not consulted/);
  });

  it('says when nothing selects an inbound, and answers 404 for an unknown dataplane', async () => {
    const api = await startApi({ mode: 'zone', zone: 'zone-1' }, [mtlsMesh, frontend]);
    const { body } = await get(api, '/meshes/default/dataplanes/frontend-1/policies');
    expect(body.items[0].matchedPolicies).toEqual({});
    expect(body.items[0].reasons.TrafficPermission).toMatch(/every connection is denied/);
    const missing = await get(api, '/meshes/default/dataplanes/nope/policies');
    expect(missing.status).toBe(404);
    expect(missing.body.title).toBe('Dataplane "nope" in mesh "default" not found');
  });
});

describe('GET /meshes/_overview and the control plane gauges', () => {
  it('shows each mesh with its mTLS state, dataplane, service and policy counts', async () => {
    const api = await startApi({ mode: 'global' }, [
      mtlsMesh,
      mesh('plain'),
      zoneDataplane('zone-1', 'a', 'web'),
      trafficPermission('tp', 'default', 'web', 'backend'),
    ]);
    const { body } = await get(api, '/meshes/_overview');
    expect(body.items).toEqual([
      expect.objectContaining({
        name: 'default',
        mtls: { enabled: true, backend: 'ca-1' },
        dataplanes: { total: 1, online: 0, offline: 0, unreported: 1 },
        services: 1,
        policies: expect.objectContaining({ TrafficPermission: 1, MeshTrafficPermission: 0 }),
      }),
      expect.objectContaining({ name: 'plain', mtls: { enabled: false, backend: null }, services: 0 }),
    ]);
    const metrics = await (await fetch(`${api.base}/metrics`)).text();
    expect(metrics).toContain('zonemesh_cp_info{mode="global",zone="",version="9.9.9"} 1');
    expect(metrics).toContain('zonemesh_cp_resources{type="Dataplane",mesh="default"} 1');
    expect(metrics).toContain('zonemesh_cp_resources{type="Mesh",mesh=""} 2');
  });
});
