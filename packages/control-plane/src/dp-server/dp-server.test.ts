import type {
  ProxyConfig,
  IngressConfig,
  RegisterResponse,
  CertificateResponse,
  ZoneIngressSpec,
} from '@zonemesh/api';
import { createCsr, identityOf, verifyChain } from '@zonemesh/pki';
import { createMemoryStore, type ResourceStore } from '@zonemesh/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowAnyProxy } from '../auth/proxy-authentication.js';
import { ControlPlaneConfigSchema } from '../config.js';
import { createControlPlaneRuntime, type ControlPlaneRuntime } from '../control-plane-runtime.js';
import { setupMeshCa } from '../mesh-ca/setup-mesh-ca.js';
import { type FakeStream, isConfig, openStream, post, type StreamLine } from './__fixtures__/fake-proxy.js';
import { setupDpServer } from './dp-server.js';

const graceMs = 300;

const mtlsMesh = {
  type: 'Mesh' as const,
  meta: { name: 'default' },
  spec: { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } },
};

/** A Universal Dataplane, as in a proxy's file. */
function dataplaneFile(
  name: string,
  address: string,
  service: string,
  port: number,
  outbounds: string[] = [],
) {
  return {
    type: 'Dataplane',
    mesh: 'default',
    name,
    networking: {
      address,
      inbound: [{ port, servicePort: port + 1000, tags: { 'kuma.io/service': service, version: 'v1' } }],
      outbound: outbounds.map((target, i) => ({ port: 20_001 + i, tags: { 'kuma.io/service': target } })),
    },
  };
}

const configOf = (line: StreamLine) => line.message.config as ProxyConfig;
const outbound = (config: ProxyConfig, service: string) =>
  config.outbounds.find((o) => o.service === service);

interface Zone {
  readonly runtime: ControlPlaneRuntime;
  readonly store: ResourceStore;
  readonly base: string;
}

async function startZone(): Promise<Zone> {
  const config = ControlPlaneConfigSchema.parse({
    mode: 'zone',
    zone: 'zone-1',
    dpServerAddress: '127.0.0.1:0',
    logLevel: 'error',
  });
  const runtime = createControlPlaneRuntime(config);
  const store = createMemoryStore();
  await store.create(mtlsMesh);
  const meshCa = setupMeshCa(runtime, store);
  const dp = setupDpServer(runtime, {
    store,
    meshCa,
    auth: allowAnyProxy,
    pingIntervalMs: 200,
    offlineGraceMs: graceMs,
  });
  await runtime.lifecycle.start();
  const address = dp.address();
  if (address === undefined) throw new Error('dp server did not listen');
  return { runtime, store, base: `http://127.0.0.1:${address.port}` };
}

describe('dataplane server (standalone zone, fake proxies over HTTP)', () => {
  let zone: Zone;
  const streams: FakeStream[] = [];
  let frontend: FakeStream;

  beforeAll(async () => {
    zone = await startZone();
  });

  afterAll(async () => {
    for (const stream of streams) stream.close();
    await zone.runtime.lifecycle.stop();
  });

  async function stream(query: Record<string, string>): Promise<FakeStream> {
    const opened = await openStream(zone.base, query);
    streams.push(opened);
    return opened;
  }

  it('registers a Dataplane and issues a certificate whose SANs come from the Dataplane and chain to the root', async () => {
    const csr = await createCsr({ commonName: 'i-claim-to-be-the-database' });
    const answer = await post(zone.base, '/v1/register', {
      v: '1',
      kind: 'Dataplane',
      resource: dataplaneFile('frontend-1', '127.0.0.1', 'frontend', 10_001, ['backend1', 'backend2']),
      csr: csr.csrPem,
    });
    expect(answer.status).toBe(200);
    const body = answer.body as RegisterResponse;
    expect(body).toMatchObject({ v: '1', name: 'frontend-1', mesh: 'default', zone: 'zone-1' });
    const certificate = body.certificate as CertificateResponse;
    expect(() =>
      verifyChain(`${certificate.certPem}\n${certificate.caChainPem}`, certificate.rootsPem),
    ).not.toThrow();
    expect(identityOf(certificate.certPem)).toEqual({
      mesh: 'default',
      services: ['frontend'],
      tags: { 'kuma.io/service': ['frontend'], 'kuma.io/zone': ['zone-1'], version: ['v1'] },
    });
    const lifetime = Date.parse(certificate.notAfter) - Date.now();
    expect(lifetime).toBeGreaterThan(23 * 3600_000);
    expect(lifetime).toBeLessThanOrEqual(24 * 3600_000);
    // Stored through the store (not REST), with the zone tag Kuma adds.
    const stored = await zone.store.get({ type: 'Dataplane', mesh: 'default', name: 'frontend-1' });
    expect(stored?.meta.labels).toMatchObject({ 'kuma.io/zone': 'zone-1', 'kuma.io/origin': 'zone' });
    expect(JSON.stringify(stored?.spec)).toContain('"kuma.io/zone":"zone-1"');
  });

  it('streams the current config at once, as NDJSON, with the mesh roots', async () => {
    frontend = await stream({ kind: 'Dataplane', mesh: 'default', name: 'frontend-1' });
    expect(frontend.response.headers['content-type']).toBe('application/x-ndjson');
    const first = configOf(await frontend.next(isConfig, 2_000));
    expect(first).toMatchObject({ v: '1', mesh: 'default', name: 'frontend-1', zone: 'zone-1' });
    expect(first.outbounds.map((o) => [o.service, o.endpoints.length])).toEqual([
      ['backend1', 0],
      ['backend2', 0],
    ]);
    // The roots arrive with the first config or right after it.
    const withRoots =
      first.mtls.rootsPem === undefined ? configOf(await frontend.next(isConfig, 2_000)) : first;
    expect(withRoots.mtls).toMatchObject({
      enabled: true,
      rootsPem: expect.stringContaining('BEGIN CERTIFICATE'),
    });
  });

  it('pushes the new endpoint when a backend registers, and pings', async () => {
    const registered = await post(zone.base, '/v1/register', {
      v: '1',
      kind: 'Dataplane',
      resource: dataplaneFile('backend1-1', '127.0.0.2', 'backend1', 10_002),
    });
    expect(registered.status).toBe(200);
    expect((registered.body as RegisterResponse).certificate).toBeUndefined(); // no CSR, no certificate
    await stream({ kind: 'Dataplane', mesh: 'default', name: 'backend1-1' });
    const pushed = await frontend.next(
      (line) => isConfig(line) && outbound(configOf(line), 'backend1')?.endpoints.length === 1,
    );
    expect(outbound(configOf(pushed), 'backend1')?.endpoints).toEqual([
      {
        address: '127.0.0.2',
        port: 10_002,
        zone: 'zone-1',
        local: true,
        weight: 1,
        tags: { 'kuma.io/service': 'backend1', version: 'v1', 'kuma.io/zone': 'zone-1' },
      },
    ]);
    await frontend.next((line) => line.message.type === 'ping', 2_000);
  });

  it('pushes within a second when a TrafficPermission changes', async () => {
    const backend = await stream({ kind: 'Dataplane', mesh: 'default', name: 'backend1-1' });
    const before = configOf(await backend.next(isConfig));
    expect(before.inbounds[0]?.permissions).toEqual({ policy: null, rules: [] });
    const written = Date.now();
    await zone.store.create({
      type: 'TrafficPermission',
      meta: { name: 'frontend-to-backends', mesh: 'default' },
      spec: {
        sources: [{ match: { 'kuma.io/service': 'frontend' } }],
        destinations: [{ match: { 'kuma.io/service': 'backend1' } }],
      },
    });
    const pushed = await backend.next(isConfig, 2_000);
    expect(pushed.at - written).toBeLessThan(1_000);
    const policy = { type: 'TrafficPermission', name: 'frontend-to-backends' };
    expect(configOf(pushed).inbounds[0]?.permissions).toEqual({
      policy,
      rules: [{ match: { 'kuma.io/service': 'frontend' }, action: 'Allow', policy }],
    });
  });

  it("shows a remote zone's ingress as an endpoint weighted by its instances", async () => {
    await zone.store.create({
      type: 'ZoneIngress',
      meta: { name: 'zone-2.ingress', labels: { 'kuma.io/zone': 'zone-2', 'kuma.io/origin': 'zone' } },
      spec: {
        zone: 'zone-2',
        networking: {
          address: '10.2.0.1',
          port: 10_001,
          advertisedAddress: '192.0.2.20',
          advertisedPort: 30_001,
        },
        availableServices: [
          {
            mesh: 'default',
            tags: { 'kuma.io/service': 'backend2', 'kuma.io/zone': 'zone-2' },
            instances: 2,
          },
        ],
      },
    });
    const pushed = await frontend.next(
      (line) => isConfig(line) && outbound(configOf(line), 'backend2')?.endpoints.length === 1,
    );
    expect(outbound(configOf(pushed), 'backend2')?.endpoints).toEqual([
      {
        address: '192.0.2.20',
        port: 30_001,
        zone: 'zone-2',
        local: false,
        weight: 2,
        tags: { 'kuma.io/service': 'backend2', 'kuma.io/zone': 'zone-2' },
      },
    ]);
  });

  it("removes an unhealthy inbound from endpoints and from the zone ingress's availableServices", async () => {
    const ingressFile = {
      type: 'ZoneIngress',
      name: 'ingress-1',
      networking: {
        address: '127.0.0.9',
        port: 10_009,
        advertisedAddress: '192.0.2.10',
        advertisedPort: 30_009,
      },
    };
    expect(
      (await post(zone.base, '/v1/register', { v: '1', kind: 'ZoneIngress', resource: ingressFile })).status,
    ).toBe(200);
    const ingress = await stream({ kind: 'ZoneIngress', name: 'ingress-1' });
    const routed = (line: StreamLine, service: string) =>
      isConfig(line) &&
      (line.message.config as IngressConfig).routes.some((route) => route.service === service);
    await ingress.next((line) => routed(line, 'backend1'));
    const advertised = async () => {
      const stored = await zone.store.get({ type: 'ZoneIngress', name: 'ingress-1' });
      const spec = stored?.spec as ZoneIngressSpec | undefined;
      return spec?.availableServices?.map((s) => `${s.tags?.['kuma.io/service']}:${s.instances}`);
    };
    await eventually(advertised, (list) => list?.includes('backend1:1') === true);
    expect((await zone.store.get({ type: 'ZoneIngress', name: 'ingress-1' }))?.spec).toMatchObject({
      zone: 'zone-1',
    });

    const report = (healthy: boolean) =>
      post(zone.base, '/v1/health', {
        v: '1',
        mesh: 'default',
        name: 'backend1-1',
        inbounds: [{ port: 10_002, healthy }],
      });
    expect((await report(false)).status).toBe(204);
    await frontend.next(
      (line) => isConfig(line) && outbound(configOf(line), 'backend1')?.endpoints.length === 0,
    );
    await ingress.next((line) => isConfig(line) && !routed(line, 'backend1'));
    await eventually(advertised, (list) => list?.includes('backend1:1') === false);

    expect((await report(true)).status).toBe(204);
    await frontend.next(
      (line) => isConfig(line) && outbound(configOf(line), 'backend1')?.endpoints.length === 1,
    );
    await eventually(advertised, (list) => list?.includes('backend1:1') === true);
  });

  it('marks a proxy offline when its stream closes, and withdraws its inbounds after the grace period', async () => {
    const metric = async () =>
      await zone.runtime.metrics.getSingleMetricAsString('zonemesh_dp_server_proxies');
    expect(await metric()).toContain('zonemesh_dp_server_proxies{kind="Dataplane",mesh="default"} 2');
    // The online state is a label on the Dataplane, so it syncs to global for the views.
    const onlineLabel = async () =>
      (await zone.store.get({ type: 'Dataplane', mesh: 'default', name: 'backend1-1' }))?.meta.labels[
        'zonemesh.io/online'
      ] ?? 'absent';
    await eventually(onlineLabel, (value) => value === 'true');
    for (const open of streams.filter((s) => s.query.name === 'backend1-1')) open.close();
    await eventually(metric, (text) =>
      text.includes('zonemesh_dp_server_proxies{kind="Dataplane",mesh="default"} 1'),
    );
    await eventually(onlineLabel, (value) => value === 'false');
    const closedAt = Date.now();
    await frontend.next(
      (line) => isConfig(line) && outbound(configOf(line), 'backend1')?.endpoints.length === 0,
      3_000,
    );
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(graceMs - 50);
    // Back online: its inbound counts again at once.
    await stream({ kind: 'Dataplane', mesh: 'default', name: 'backend1-1' });
    await frontend.next(
      (line) => isConfig(line) && outbound(configOf(line), 'backend1')?.endpoints.length === 1,
    );
  });

  it('rotates a certificate from a fresh CSR with the same identity', async () => {
    const csr = await createCsr();
    const answer = await post(zone.base, '/v1/certificates', {
      v: '1',
      kind: 'Dataplane',
      mesh: 'default',
      name: 'backend1-1',
      csr: csr.csrPem,
    });
    expect(answer.status).toBe(200);
    const certificate = answer.body as CertificateResponse;
    expect(identityOf(certificate.certPem).services).toEqual(['backend1']);
    expect(() =>
      verifyChain(`${certificate.certPem}\n${certificate.caChainPem}`, certificate.rootsPem),
    ).not.toThrow();
  });

  it('writes nothing when a proxy registers again unchanged, and keeps its reported health', async () => {
    const before = await zone.store.get({ type: 'Dataplane', mesh: 'default', name: 'backend1-1' });
    const again = await post(zone.base, '/v1/register', {
      v: '1',
      kind: 'Dataplane',
      resource: dataplaneFile('backend1-1', '127.0.0.2', 'backend1', 10_002),
    });
    expect(again.status).toBe(200);
    const after = await zone.store.get({ type: 'Dataplane', mesh: 'default', name: 'backend1-1' });
    expect(after?.meta.version).toBe(before?.meta.version);
    expect(JSON.stringify(after?.spec)).toContain('"health":{"ready":true}');
  });

  it('refuses bad requests with the fields named, and changes nothing', async () => {
    const invalid = dataplaneFile('broken', '127.0.0.3', 'x', 10_003);
    invalid.networking.inbound[0] = { port: 10_003, servicePort: 11_003, tags: { version: 'v1' } as never };
    const answer = await post(zone.base, '/v1/register', { v: '1', kind: 'Dataplane', resource: invalid });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      details: 'InvalidInput',
      causes: [{ field: 'networking.inbound[0].tags["kuma.io/service"]', message: 'tag has to exist' }],
    });
    expect(await zone.store.get({ type: 'Dataplane', mesh: 'default', name: 'broken' })).toBeUndefined();
    const version = await post(zone.base, '/v1/register', { v: '2', kind: 'Dataplane', resource: {} });
    expect(version).toMatchObject({ status: 400, body: { causes: [{ field: 'v' }] } });
    const unknownPort = await post(zone.base, '/v1/health', {
      v: '1',
      mesh: 'default',
      name: 'backend1-1',
      inbounds: [{ port: 1, healthy: false }],
    });
    expect(unknownPort).toMatchObject({ status: 400, body: { causes: [{ field: 'inbounds[0].port' }] } });
    await expect(
      openStream(zone.base, { kind: 'Dataplane', mesh: 'default', name: 'nobody' }),
    ).rejects.toThrow(/404/);
  });

  it('counts registrations and pushes in its metrics', async () => {
    const text = await zone.runtime.metrics.metrics();
    expect(text).toMatch(/zonemesh_dp_server_registrations_total\{kind="Dataplane",result="ok"\} 3/);
    expect(text).toMatch(/zonemesh_dp_server_registrations_total\{kind="Dataplane",result="refused"\} 1/);
    expect(text).toMatch(/zonemesh_dp_server_registrations_total\{kind="unknown",result="refused"\} 1/);
    expect(text).toMatch(/zonemesh_dp_server_config_pushes_total\{kind="Dataplane",mesh="default"\} \d+/);
    expect(text).toMatch(/zonemesh_dp_server_certificates_issued_total\{mesh="default"\} 2/);
  });
});

async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
