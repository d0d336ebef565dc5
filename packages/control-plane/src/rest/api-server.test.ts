import { createHttpServer, createLogger, createMetricsRegistry } from '@zonemesh/runtime';
import { createMemoryStore, type ResourceStore } from '@zonemesh/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAuth } from '../auth/__fixtures__/test-auth.js';
import type { ControlPlaneAuth } from '../auth/setup-auth.js';
import { ControlPlaneConfigSchema } from '../config.js';
import { noFederation, type Federation } from '../federation.js';
import { createApiRouter } from './api-server.js';

interface Api {
  readonly base: string;
  readonly store: ResourceStore;
  readonly auth: ControlPlaneAuth;
  stop(): Promise<void>;
}

const running: Api[] = [];

/** Starts the real API server on a free port over a fresh memory store. */
async function startApi(flags: Record<string, string>, federation: Federation = noFederation): Promise<Api> {
  const config = ControlPlaneConfigSchema.parse(flags);
  const store = createMemoryStore();
  const metrics = createMetricsRegistry({ defaultMetrics: false });
  const auth = testAuth(config, store);
  const server = createHttpServer({
    name: 'api-server',
    address: { host: '127.0.0.1', port: 0 },
    router: createApiRouter({ config, version: '9.9.9', store, federation, auth }, metrics),
    log: createLogger({ level: 'silent' }),
    metrics,
    metricPrefix: 'zonemesh_api_',
  });
  const controller = new AbortController();
  const { done } = await server.start(controller.signal);
  const api = {
    base: `http://127.0.0.1:${server.address()?.port}`,
    store,
    auth,
    async stop() {
      controller.abort();
      await done;
      await store.close();
    },
  };
  running.push(api);
  return api;
}

afterAll(async () => {
  await Promise.all(running.map((api) => api.stop()));
});

const meshYaml = 'type: Mesh\nname: default\n';
const tpYaml = (name: string, mesh = 'default') => `type: TrafficPermission
name: ${name}
mesh: ${mesh}
sources:
  - match:
      kuma.io/service: web
destinations:
  - match:
      kuma.io/service: backend
`;
const dataplaneJson = {
  type: 'Dataplane',
  mesh: 'default',
  name: 'web-1',
  networking: {
    address: '127.0.0.1',
    inbound: [{ port: 8080, servicePort: 9090, tags: { 'kuma.io/service': 'web' } }],
  },
};

async function put(base: string, path: string, body: string | object, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const contentType = typeof body === 'string' ? 'application/yaml' : 'application/json';
  return fetch(`${base}${path}`, {
    method: 'PUT',
    body: text,
    headers: { 'content-type': contentType, ...headers },
  });
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe('standalone zone: resource CRUD', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi({ mode: 'zone', zone: 'zone-1' });
  });

  it('answers GET / with product, version, mode and zone', async () => {
    expect(await json(await fetch(`${api.base}/`))).toMatchObject({
      product: 'zonemesh',
      version: '9.9.9',
      mode: 'zone',
      zone: 'zone-1',
      federated: false,
    });
    expect((await fetch(`${api.base}/ready`)).status).toBe(200);
  });

  it('creates (201), updates (200) and reads back in Universal form with metadata', async () => {
    expect((await put(api.base, '/meshes/default', meshYaml)).status).toBe(201);
    const created = await put(
      api.base,
      '/meshes/default/traffic-permissions/web-to-backend',
      tpYaml('web-to-backend'),
    );
    expect(created.status).toBe(201);
    const first = await json(await fetch(`${api.base}/meshes/default/traffic-permissions/web-to-backend`));
    expect(first).toMatchObject({
      type: 'TrafficPermission',
      mesh: 'default',
      name: 'web-to-backend',
      sources: [{ match: { 'kuma.io/service': 'web' } }],
      destinations: [{ match: { 'kuma.io/service': 'backend' } }],
      labels: {},
    });
    expect(typeof first.creationTime).toBe('string');
    expect(typeof first.modificationTime).toBe('string');

    const updated = await put(
      api.base,
      '/meshes/default/traffic-permissions/web-to-backend',
      tpYaml('web-to-backend').replace('service: web', 'service: frontend'),
    );
    expect(updated.status).toBe(200);
    const second = await json(await fetch(`${api.base}/meshes/default/traffic-permissions/web-to-backend`));
    expect(second.sources).toEqual([{ match: { 'kuma.io/service': 'frontend' } }]);
    expect(second.creationTime).toBe(first.creationTime);
  });

  it('takes a JSON body and fills a missing mesh from the URL', async () => {
    const { mesh: _mesh, ...withoutMesh } = dataplaneJson;
    expect((await put(api.base, '/meshes/default/dataplanes/web-1', withoutMesh)).status).toBe(201);
    const stored = await api.store.get({ type: 'Dataplane', mesh: 'default', name: 'web-1' });
    expect(stored?.spec).toMatchObject({ networking: { address: '127.0.0.1' } });
  });

  it('refuses a body whose name, mesh or type disagree with the URL (400 naming fields), storing nothing', async () => {
    const response = await put(api.base, '/meshes/default/health-checks/other', tpYaml('tp-x', 'default'));
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.details).toBe('InvalidInput');
    expect((body.causes as { field: string }[]).map((cause) => cause.field).sort()).toEqual(['name', 'type']);
    expect(await api.store.get({ type: 'TrafficPermission', mesh: 'default', name: 'tp-x' })).toBeUndefined();
    expect(await api.store.get({ type: 'HealthCheck', mesh: 'default', name: 'other' })).toBeUndefined();
  });

  it('refuses an invalid resource with Kuma field causes and changes nothing', async () => {
    const before = await api.store.revision();
    const invalid =
      'type: TrafficPermission\nname: bad\nmesh: default\nsources:\n  - match: {}\ndestinations:\n  - match: {}\n';
    const response = await put(api.base, '/meshes/default/traffic-permissions/bad', invalid);
    expect(response.status).toBe(400);
    const body = await json(response);
    const fields = (body.causes as { field: string }[]).map((cause) => cause.field);
    expect(fields).toContain('sources[0].match');
    expect(fields).toContain('destinations[0].match');
    expect(await api.store.revision()).toBe(before);
  });

  it('refuses a resource in a mesh that does not exist (400 naming mesh)', async () => {
    const response = await put(api.base, '/meshes/nomesh/traffic-permissions/tp', tpYaml('tp', 'nomesh'));
    expect(response.status).toBe(400);
    expect((await json(response)).causes).toEqual([
      { field: 'mesh', message: 'mesh "nomesh" does not exist; create it first' },
    ]);
  });

  it('answers 409 on a stale If-Match and keeps the resource unchanged', async () => {
    const path = '/meshes/default/traffic-permissions/versioned';
    await put(api.base, path, tpYaml('versioned'));
    const etag = (await fetch(`${api.base}${path}`)).headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    expect((await put(api.base, path, tpYaml('versioned'), { 'if-match': etag })).status).toBe(200);
    const stale = await put(api.base, path, tpYaml('versioned').replace('service: web', 'service: evil'), {
      'if-match': etag,
    });
    expect(stale.status).toBe(409);
    expect((await json(stale)).details).toBe('Conflict');
    expect((await json(await fetch(`${api.base}${path}`))).sources).toEqual([
      { match: { 'kuma.io/service': 'web' } },
    ]);
    expect(
      (await fetch(`${api.base}${path}`, { method: 'DELETE', headers: { 'if-match': etag } })).status,
    ).toBe(409);
  });

  it('validates without storing on ?dryRun=true', async () => {
    const response = await put(
      api.base,
      '/meshes/default/traffic-permissions/dry?dryRun=true',
      tpYaml('dry'),
    );
    expect(response.status).toBe(201);
    expect(await api.store.get({ type: 'TrafficPermission', mesh: 'default', name: 'dry' })).toBeUndefined();
    const invalid = await put(
      api.base,
      '/meshes/default/traffic-permissions/dry?dryRun=true',
      'type: TrafficPermission\nname: dry\nmesh: default\n',
    );
    expect(invalid.status).toBe(400);
  });

  it('deletes, then answers 404', async () => {
    const path = '/meshes/default/traffic-permissions/doomed';
    await put(api.base, path, tpYaml('doomed'));
    expect((await fetch(`${api.base}${path}`, { method: 'DELETE' })).status).toBe(200);
    const gone = await fetch(`${api.base}${path}`);
    expect(gone.status).toBe(404);
    expect((await json(gone)).title).toBe('TrafficPermission "doomed" in mesh "default" not found');
    expect((await fetch(`${api.base}${path}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('answers 404 for unknown kinds and kinds under the wrong scope', async () => {
    expect((await fetch(`${api.base}/meshes/default/widgets`)).status).toBe(404);
    expect((await fetch(`${api.base}/meshes/default/zones/x`)).status).toBe(404);
    expect((await fetch(`${api.base}/traffic-permissions/x`)).status).toBe(404);
  });

  it('answers 400 naming line and column for malformed YAML', async () => {
    const response = await put(api.base, '/meshes/default/traffic-permissions/x', 'type: [unclosed\n');
    expect(response.status).toBe(400);
    expect((await json(response)).title).toMatch(/line \d+, column \d+/);
  });
});

describe('paging', () => {
  it('pages lists with size/offset and a next link', async () => {
    const api = await startApi({ mode: 'zone' });
    await put(api.base, '/meshes/default', meshYaml);
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      await put(api.base, `/meshes/default/traffic-permissions/${name}`, tpYaml(name));
    }
    const first = await json(await fetch(`${api.base}/meshes/default/traffic-permissions?size=2`));
    expect(first.total).toBe(5);
    expect((first.items as { name: string }[]).map((item) => item.name)).toEqual(['a', 'b']);
    expect(first.next).toBe(`${api.base}/meshes/default/traffic-permissions?size=2&offset=2`);
    const last = await json(await fetch(`${api.base}/meshes/default/traffic-permissions?size=2&offset=4`));
    expect((last.items as { name: string }[]).map((item) => item.name)).toEqual(['e']);
    expect(last.next).toBeNull();
    const all = await json(await fetch(`${api.base}/traffic-permissions`));
    expect(all.total).toBe(5);
    const bad = await fetch(`${api.base}/meshes?size=0&offset=-1`);
    expect(bad.status).toBe(400);
    expect(((await json(bad)).causes as { field: string }[]).map((cause) => cause.field)).toEqual([
      'size',
      'offset',
    ]);
  });
});

describe('ownership and write access', () => {
  it('global refuses zone kinds (405) and accepts global kinds', async () => {
    const api = await startApi({ mode: 'global' });
    await put(api.base, '/meshes/default', meshYaml);
    const refused = await put(api.base, '/meshes/default/dataplanes/web-1', dataplaneJson);
    expect(refused.status).toBe(405);
    expect((await json(refused)).title).toMatch(/written on zone control planes/);
    expect(await api.store.get({ type: 'Dataplane', mesh: 'default', name: 'web-1' })).toBeUndefined();
    expect((await put(api.base, '/meshes/default/traffic-permissions/tp', tpYaml('tp'))).status).toBe(201);
    expect((await put(api.base, '/zones/zone-1', 'type: Zone\nname: zone-1\n')).status).toBe(201);
  });

  it('a federated zone refuses global kinds (405) and accepts its own', async () => {
    const api = await startApi({ mode: 'zone', zone: 'zone-1', natsUrl: 'nats://127.0.0.1:4222' });
    await api.store.create({
      type: 'Mesh',
      meta: { name: 'default', labels: { 'kuma.io/origin': 'global' } },
      spec: {},
    });
    const before = await api.store.revision();
    const refused = await put(api.base, '/meshes/default/traffic-permissions/tp', tpYaml('tp'));
    expect(refused.status).toBe(405);
    expect((await json(refused)).title).toMatch(/come from the global control plane/);
    expect((await fetch(`${api.base}/meshes/default`, { method: 'DELETE' })).status).toBe(405);
    expect(await api.store.revision()).toBe(before);
    expect((await put(api.base, '/meshes/default/dataplanes/web-1', dataplaneJson)).status).toBe(201);
  });

  it('refuses writes without admin rights when loopback is not admin', async () => {
    const api = await startApi({ mode: 'zone', apiLocalhostIsAdmin: 'false' });
    const response = await put(api.base, '/meshes/default', meshYaml);
    expect(response.status).toBe(401);
    expect((await fetch(`${api.base}/meshes`)).status).toBe(200);
  });
});

describe('zones overview and metrics', () => {
  it('global lists zones from sync, plus declared zones never seen as offline', async () => {
    const federation: Federation = {
      zones: () => [
        {
          name: 'zone-2',
          online: true,
          lastSeen: '2024-01-01T00:00:00Z',
          lag: 3,
          resources: { Dataplane: 2 },
        },
      ],
      zoneStatus: () => undefined,
    };
    const api = await startApi({ mode: 'global' }, federation);
    await put(api.base, '/zones/zone-1', 'type: Zone\nname: zone-1\n');
    const overview = await json(await fetch(`${api.base}/zones/_overview`));
    expect(overview).toEqual({
      total: 2,
      next: null,
      items: [
        { name: 'zone-1', online: false, resources: {} },
        {
          name: 'zone-2',
          online: true,
          lastSeen: '2024-01-01T00:00:00Z',
          lag: 3,
          resources: { Dataplane: 2 },
        },
      ],
    });
  });

  it('a zone shows itself and its link to global', async () => {
    const federation: Federation = {
      zones: () => [],
      zoneStatus: () => ({ connected: false, appliedRevision: 7, lastError: 'connection refused' }),
    };
    const api = await startApi({ mode: 'zone', zone: 'zone-1', natsUrl: 'nats://127.0.0.1:1' }, federation);
    await api.store.create({ type: 'Mesh', meta: { name: 'default' }, spec: {} });
    const overview = await json(await fetch(`${api.base}/zones/_overview`));
    expect(overview.items).toEqual([
      {
        name: 'zone-1',
        online: false,
        resources: { Mesh: 1 },
        federated: true,
        appliedRevision: 7,
        problem: 'connection refused',
      },
    ]);
  });

  it('exports request metrics by route and status', async () => {
    const api = await startApi({ mode: 'zone' });
    await fetch(`${api.base}/meshes/nope`);
    const text = await (await fetch(`${api.base}/metrics`)).text();
    expect(text).toMatch(
      /zonemesh_api_requests_total\{route="\/meshes\/:name",method="GET",status="404"\} 1/,
    );
  });
});

describe('traffic inspection', () => {
  it('answers which policy decides a call, and why', async () => {
    const api = await startApi({ mode: 'global' });
    const mtlsMesh =
      'type: Mesh\nname: default\nmtls:\n  enabledBackend: ca-1\n  backends:\n    - name: ca-1\n      type: builtin\n';
    expect((await put(api.base, '/meshes/default', mtlsMesh)).status).toBe(201);
    await put(api.base, '/meshes/default/traffic-permissions/web-to-backend', tpYaml('web-to-backend'));
    const ask = (source: Record<string, string>) =>
      fetch(`${api.base}/meshes/default/_inspect/traffic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ source, destination: { 'kuma.io/service': 'backend' } }),
      });
    const allowed = await json(await ask({ 'kuma.io/service': 'web' }));
    expect(allowed).toMatchObject({
      decision: 'ALLOW',
      policy: { type: 'TrafficPermission', name: 'web-to-backend' },
    });
    expect(typeof allowed.reason).toBe('string');
    const denied = await json(await ask({ 'kuma.io/service': 'intruder' }));
    expect(denied).toMatchObject({
      decision: 'DENY',
      policy: { type: 'TrafficPermission', name: 'web-to-backend' },
    });
    // The engine is reused between questions, but never past a write.
    await fetch(`${api.base}/meshes/default/traffic-permissions/web-to-backend`, { method: 'DELETE' });
    expect(await json(await ask({ 'kuma.io/service': 'web' }))).toMatchObject({
      decision: 'DENY',
      policy: null,
    });
    await put(api.base, '/meshes/default/traffic-permissions/web-to-backend', tpYaml('web-to-backend'));
    expect(await json(await ask({ 'kuma.io/service': 'web' }))).toMatchObject({ decision: 'ALLOW' });
  });

  it('refuses a malformed question (400 naming fields) and an unknown mesh (404)', async () => {
    const api = await startApi({ mode: 'zone' });
    await put(api.base, '/meshes/default', meshYaml);
    const bad = await fetch(`${api.base}/meshes/default/_inspect/traffic`, {
      method: 'POST',
      body: JSON.stringify({ source: 'web', destination: {} }),
    });
    expect(bad.status).toBe(400);
    expect(((await json(bad)).causes as { field: string }[]).map((cause) => cause.field)).toEqual([
      'source',
      'destination',
    ]);
    const unknown = await fetch(`${api.base}/meshes/nomesh/_inspect/traffic`, {
      method: 'POST',
      body: JSON.stringify({ source: {}, destination: { 'kuma.io/service': 'x' } }),
    });
    expect(unknown.status).toBe(404);
  });
});

describe('deleting a mesh', () => {
  it('refuses while dataplanes are attached, then deletes the mesh with its policies', async () => {
    const api = await startApi({ mode: 'zone' });
    await put(api.base, '/meshes/default', meshYaml);
    await put(api.base, '/meshes/default/traffic-permissions/tp', tpYaml('tp'));
    await put(api.base, '/meshes/default/dataplanes/web-1', dataplaneJson);
    const refused = await fetch(`${api.base}/meshes/default`, { method: 'DELETE' });
    expect(refused.status).toBe(400);
    expect((await json(refused)).title).toBe(
      'unable to delete mesh "default": 1 dataplanes are still attached',
    );
    expect((await fetch(`${api.base}/meshes/default`)).status).toBe(200);

    expect((await fetch(`${api.base}/meshes/default/dataplanes/web-1`, { method: 'DELETE' })).status).toBe(
      200,
    );
    expect((await fetch(`${api.base}/meshes/default`, { method: 'DELETE' })).status).toBe(200);
    expect((await api.store.list('TrafficPermission')).total).toBe(0);
    expect((await fetch(`${api.base}/meshes/default`)).status).toBe(404);
  });
});

describe('authentication and authorization', () => {
  let api: Api;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const userToken = async (groups: string[]) =>
    (await api.auth.tokens.issue({ kind: 'user', name: 'someone', groups, validForMs: 3_600_000 })).token;
  const providedMesh = {
    type: 'Mesh',
    name: 'secretive',
    mtls: {
      enabledBackend: 'ca-1',
      backends: [
        {
          name: 'ca-1',
          type: 'provided',
          conf: {
            cert: { inlineString: 'CERTIFICATE' },
            key: { inlineString: '-----BEGIN PRIVATE KEY-----\nTOP-SECRET\n' },
          },
        },
      ],
    },
  };

  beforeAll(async () => {
    api = await startApi({ mode: 'zone', zone: 'zone-1', apiLocalhostIsAdmin: 'false' });
  });

  it('refuses anonymous writes (401) when loopback is not admin, but lets anyone read', async () => {
    const refused = await put(api.base, '/meshes/default', meshYaml);
    expect(refused.status).toBe(401);
    expect((await json(refused)).title).toMatch(
      /^writing needs admin rights: send a user token of group mesh-system:admin/,
    );
    expect(await api.store.get({ type: 'Mesh', name: 'default' })).toBeUndefined();
    expect((await fetch(`${api.base}/meshes`)).status).toBe(200);
  });

  it('accepts writes with a mesh-system:admin user token; other users may only read (403)', async () => {
    const admin = await userToken(['mesh-system:admin']);
    expect((await put(api.base, '/meshes/default', meshYaml, bearer(admin))).status).toBe(201);
    const reader = await userToken(['developers']);
    const forbidden = await put(
      api.base,
      '/meshes/default/traffic-permissions/tp',
      tpYaml('tp'),
      bearer(reader),
    );
    expect(forbidden.status).toBe(403);
    expect((await json(forbidden)).title).toMatch(/user someone is not in group mesh-system:admin/);
    expect((await fetch(`${api.base}/meshes/default`, { headers: bearer(reader) })).status).toBe(200);
  });

  it('refuses invalid, revoked and proxy tokens with 401, reads included', async () => {
    expect((await fetch(`${api.base}/meshes`, { headers: bearer('not-a-token') })).status).toBe(401);
    expect((await fetch(`${api.base}/meshes`, { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    const revoked = await userToken(['mesh-system:admin']);
    const [, payload] = revoked.split('.');
    const { jti } = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as { jti: string };
    await api.auth.revocations.revoke(jti);
    const answer = await fetch(`${api.base}/meshes`, { headers: bearer(revoked) });
    expect(answer.status).toBe(401);
    expect((await json(answer)).title).toBe(`the token ${jti} is revoked`);
    const { token: proxy } = await api.auth.tokens.issue({
      kind: 'dataplane',
      mesh: 'default',
      name: 'web-1',
      validForMs: 60_000,
    });
    expect((await json(await fetch(`${api.base}/meshes`, { headers: bearer(proxy) }))).title).toMatch(
      /dataplane token is for proxies/,
    );
  });

  it('never shows secrets to non-admins; admins see what they stored', async () => {
    const admin = await userToken(['mesh-system:admin']);
    expect((await put(api.base, '/meshes/secretive', providedMesh, bearer(admin))).status).toBe(201);
    const anonymous = await (await fetch(`${api.base}/meshes/secretive`)).text();
    expect(anonymous).not.toContain('TOP-SECRET');
    expect(JSON.parse(anonymous)).toMatchObject({
      mtls: {
        backends: [{ conf: { cert: { inlineString: 'CERTIFICATE' }, key: { inlineString: '[redacted]' } } }],
      },
    });
    expect(await (await fetch(`${api.base}/meshes`)).text()).not.toContain('TOP-SECRET');
    expect(await (await fetch(`${api.base}/meshes/secretive`, { headers: bearer(admin) })).text()).toContain(
      'TOP-SECRET',
    );
  });

  it('issues tokens to admins only, as bare text; lists signing keys without key material', async () => {
    const body = JSON.stringify({ mesh: 'default', name: 'web-1' });
    const post = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${api.base}${path}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      });
    expect((await post('/tokens/dataplane')).status).toBe(401);
    expect((await post('/tokens/dataplane', bearer(await userToken(['developers'])))).status).toBe(403);
    const issued = await post('/tokens/dataplane', bearer(await userToken(['mesh-system:admin'])));
    expect(issued.status).toBe(200);
    expect(issued.headers.get('content-type')).toMatch(/^text\/plain/);
    const token = await issued.text();
    expect(await api.auth.tokens.verify(token)).toMatchObject({ kind: 'dataplane', name: 'web-1' });
    const keys = await fetch(`${api.base}/tokens/signing-keys`, {
      headers: bearer(await userToken(['mesh-system:admin'])),
    });
    const text = await keys.text();
    expect(JSON.parse(text).items).toEqual([expect.objectContaining({ active: true })]);
    expect(text).not.toMatch(/KEY|Pem/);
    expect((await fetch(`${api.base}/tokens/signing-keys`)).status).toBe(401);
  });
});
