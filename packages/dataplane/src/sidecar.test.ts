/**
 * Two sidecars in this process (frontend and backend) against a fake control plane over real
 * HTTP, with real certificates and sockets: registration with a CSR, mTLS between them,
 * permission rules, config changes that keep established connections, passive ejection, the
 * control plane going away and coming back, and certificate renewal.
 */
import net from 'node:net';
import type { InboundPermissions, ProxyConfig, ProxyEndpoint } from '@zonemesh/api';
import {
  createLifecycle,
  createLogger,
  createMetricsRegistry,
  type Lifecycle,
  type Registry,
} from '@zonemesh/runtime';
import { freePort } from '@zonemesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeControlPlane, startFakeControlPlane } from './__fixtures__/fake-control-plane.js';
import type { DataplaneConfig } from './config.js';
import { parseDataplaneFile } from './dataplane-file.js';
import { createSidecarMetrics } from './sidecar-metrics.js';
import { setupSidecar } from './sidecar.js';

interface Running {
  readonly lifecycle: Lifecycle;
  readonly registry: Registry;
  readonly logs: string[];
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startApp(name: string): Promise<number> {
  const port = await freePort();
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.on('data', () => socket.write(`${name}\n`));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  cleanups.push(() => {
    server.close();
  });
  return port;
}

async function startSidecar(cp: FakeControlPlane, name: string, service: string, inboundPort: number) {
  const file = parseDataplaneFile(
    `type: Dataplane\nmesh: default\nname: ${name}\nnetworking:\n  address: 127.0.0.1\n  inbound:\n    - port: ${inboundPort}\n      tags:\n        kuma.io/service: ${service}\n`,
  );
  const logs: string[] = [];
  const log = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void logs.push(line) },
  });
  const config: DataplaneConfig = {
    cpAddress: cp.url,
    dataplaneFile: 'unused',
    dataplaneVar: {},
    adminAddress: { host: '127.0.0.1', port: 0 },
    logLevel: 'debug',
  };
  const registry = createMetricsRegistry({ defaultMetrics: false });
  const lifecycle = createLifecycle({ log });
  setupSidecar(
    { config, log, metrics: registry, lifecycle },
    {
      file,
      token: 'secret-token',
      metrics: createSidecarMetrics(registry),
    },
  );
  await lifecycle.start();
  const running: Running = { lifecycle, registry, logs };
  cleanups.push(() => lifecycle.stop());
  return running;
}

const allowFrontend: InboundPermissions = {
  policy: { type: 'TrafficPermission', name: 'frontend-to-backend' },
  rules: [{ match: { 'kuma.io/service': 'frontend' }, action: 'Allow' }],
};

function proxyConfig(
  name: string,
  service: string,
  ports: { inbound: number; app: number },
  extra: { permissions?: InboundPermissions | null; outbounds?: ProxyConfig['outbounds']; rootsPem?: string },
): ProxyConfig {
  return {
    v: '1',
    version: `${name}-${Math.random()}`,
    mesh: 'default',
    name,
    zone: 'zone-1',
    mtls: { enabled: true, ...(extra.rootsPem === undefined ? {} : { rootsPem: extra.rootsPem }) },
    inbounds: [
      {
        port: ports.inbound,
        address: '127.0.0.1',
        servicePort: ports.app,
        serviceAddress: '127.0.0.1',
        tags: { 'kuma.io/service': service, 'kuma.io/zone': 'zone-1' },
        permissions: extra.permissions === undefined ? allowFrontend : extra.permissions,
      },
    ],
    outbounds: extra.outbounds ?? [],
  };
}

function outbound(
  port: number,
  service: string,
  endpoints: ProxyEndpoint[],
): ProxyConfig['outbounds'][number] {
  return {
    port,
    address: '127.0.0.1',
    service,
    tags: { 'kuma.io/service': service },
    endpoints,
    sni: `${service}{mesh=default}`,
    localityAware: true,
  };
}

function endpoint(port: number, service: string): ProxyEndpoint {
  return {
    address: '127.0.0.1',
    port,
    zone: 'zone-1',
    local: true,
    weight: 1,
    tags: { 'kuma.io/service': service, 'kuma.io/zone': 'zone-1' },
  };
}

/** Connects, sends a line, resolves with the first answer line ('' when closed without one). */
function call(port: number): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write('hello, anyone there?\n'));
    const done = () => {
      socket.destroy();
      resolve(got.split('\n')[0] ?? '');
    };
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      got += text;
      if (got.includes('\n')) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    setTimeout(done, 3_000);
  });
}

async function eventually(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function metric(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const found = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (found?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

/** A frontend and a backend sidecar, the frontend's outbound pointing at the backend's inbound. */
async function pair(cp: FakeControlPlane) {
  const ports = {
    backendIn: await freePort(),
    frontendIn: await freePort(),
    outbound: await freePort(),
    backendApp: await startApp('backend'),
  };
  const backendConfig = (extra: Parameters<typeof proxyConfig>[3] = {}) =>
    proxyConfig('backend-1', 'backend', { inbound: ports.backendIn, app: ports.backendApp }, extra);
  const frontendConfig = (endpoints: ProxyEndpoint[] = [endpoint(ports.backendIn, 'backend')]) =>
    proxyConfig(
      'frontend-1',
      'frontend',
      { inbound: ports.frontendIn, app: 1 },
      {
        outbounds: [outbound(ports.outbound, 'backend', endpoints)],
        rootsPem: cp.root.certPem,
      },
    );
  cp.push('backend-1', backendConfig({ rootsPem: cp.root.certPem }));
  cp.push('frontend-1', frontendConfig());
  const backend = await startSidecar(cp, 'backend-1', 'backend', ports.backendIn);
  const frontend = await startSidecar(cp, 'frontend-1', 'frontend', ports.frontendIn);
  return { ports, backend, frontend, backendConfig, frontendConfig };
}

describe('sidecar', () => {
  it('registers with a CSR and the token, and carries frontend -> backend over mTLS', async () => {
    const cp = await startFakeControlPlane();
    cleanups.push(() => cp.close());
    const { ports, backend } = await pair(cp);
    expect(cp.registrations.map((r) => [r.kind, r.resource.name, r.csr?.startsWith('-----BEGIN')])).toEqual([
      ['Dataplane', 'backend-1', true],
      ['Dataplane', 'frontend-1', true],
    ]);
    expect(new Set(cp.authorizations)).toEqual(new Set(['Bearer secret-token']));
    expect(await call(ports.outbound)).toBe('backend');
    expect(await metric(backend.registry, 'zonemesh_proxy_connections_total', { direction: 'inbound' })).toBe(
      1,
    );
    // The backend's app answers its probe; the frontend's (port 1) does not.
    await eventually('health reports', () =>
      ['backend-1', 'frontend-1'].every((name) => cp.healthReports.some((r) => r.name === name)),
    );
    expect(cp.healthReports.find((r) => r.name === 'backend-1')?.inbounds).toEqual([
      { port: ports.backendIn, healthy: true },
    ]);
    expect(cp.healthReports.find((r) => r.name === 'frontend-1')?.inbounds).toEqual([
      { port: ports.frontendIn, healthy: false },
    ]);
  });

  it('refuses plaintext at an mTLS inbound', async () => {
    const cp = await startFakeControlPlane();
    cleanups.push(() => cp.close());
    const { ports } = await pair(cp);
    expect(await call(ports.backendIn)).toBe('');
  });

  it('denies by the last matching rule, counts and logs the deciding policy, and keeps open connections', async () => {
    const cp = await startFakeControlPlane();
    cleanups.push(() => cp.close());
    const { ports, backend, backendConfig } = await pair(cp);
    const held = net.connect(ports.outbound, '127.0.0.1');
    held.setEncoding('utf8');
    const answers: string[] = [];
    held.on('data', (text: string) => answers.push(text));
    held.write('one\n');
    await eventually('held connection answered', () => answers.length === 1);

    const deny = { type: 'MeshTrafficPermission', name: 'deny-frontend' };
    cp.push(
      'backend-1',
      backendConfig({
        rootsPem: cp.root.certPem,
        permissions: {
          policy: deny,
          rules: [
            { match: {}, action: 'Allow', policy: { type: 'MeshTrafficPermission', name: 'allow-all' } },
            { match: { 'kuma.io/service': 'frontend', 'kuma.io/zone': '*' }, action: 'Deny', policy: deny },
          ],
        },
      }),
    );
    await eventually('frontend denied', async () => (await call(ports.outbound)) === '');
    expect(
      await metric(backend.registry, 'zonemesh_proxy_denied_connections_total', {
        service: 'backend',
        source_service: 'frontend',
        policy_type: 'MeshTrafficPermission',
        policy_name: 'deny-frontend',
      }),
    ).toBeGreaterThan(0);
    const line = backend.logs.find((l) => l.includes('"connection denied"'));
    expect(line).toContain('"source":"frontend"');
    expect(line).toContain('"destination":"backend"');
    expect(line).toContain('"name":"deny-frontend"');

    held.write('two\n');
    await eventually('held connection still answered', () => answers.length === 2);
    held.destroy();
  });

  it('lets an AllowWithShadowDeny rule through and counts the would-be denial', async () => {
    const cp = await startFakeControlPlane();
    cleanups.push(() => cp.close());
    const { ports, backend, backendConfig } = await pair(cp);
    const shadow = { type: 'MeshTrafficPermission', name: 'shadow' };
    cp.push(
      'backend-1',
      backendConfig({
        rootsPem: cp.root.certPem,
        permissions: {
          policy: shadow,
          rules: [{ match: {}, action: 'AllowWithShadowDeny', policy: shadow }],
        },
      }),
    );
    await eventually('shadow denial counted', async () => {
      expect(await call(ports.outbound)).toBe('backend');
      return (
        (await metric(backend.registry, 'zonemesh_proxy_shadow_denied_connections_total', {
          policy_name: 'shadow',
        })) > 0
      );
    });
  });

  it('ejects an endpoint whose connects fail and retries another', async () => {
    const cp = await startFakeControlPlane();
    cleanups.push(() => cp.close());
    const { ports, frontend, frontendConfig } = await pair(cp);
    const dead = await freePort();
    cp.push('frontend-1', frontendConfig([endpoint(dead, 'backend'), endpoint(ports.backendIn, 'backend')]));
    await eventually(
      'new config applied',
      async () => (await metric(frontend.registry, 'zonemesh_proxy_config_updates_total')) >= 2,
    );
    for (let i = 0; i < 4; i++) expect(await call(ports.outbound)).toBe('backend');
    expect(
      await metric(frontend.registry, 'zonemesh_proxy_upstream_failures_total', {
        direction: 'outbound',
        reason: 'connect',
      }),
    ).toBe(1);
  });

  it('keeps serving while the control plane is away and reconnects when it is back', async () => {
    const cp = await startFakeControlPlane();
    const port = Number(new URL(cp.url).port);
    const { ports, frontend, frontendConfig } = await pair(cp);
    await cp.close();
    await eventually(
      'disconnected',
      async () => (await metric(frontend.registry, 'zonemesh_proxy_control_plane_connected')) === 0,
    );
    expect(await call(ports.outbound)).toBe('backend');

    const back = await startFakeControlPlane({ port, root: cp.root });
    cleanups.push(() => back.close());
    back.push(
      'backend-1',
      proxyConfig(
        'backend-1',
        'backend',
        { inbound: ports.backendIn, app: ports.backendApp },
        { rootsPem: cp.root.certPem },
      ),
    );
    back.push('frontend-1', frontendConfig([]));
    await eventually('reconnected', () => back.openStreams('frontend-1') === 1, 15_000);
    // The new config (no endpoints) is applied: the outbound has nowhere to go.
    await eventually('new config applied', async () => (await call(ports.outbound)) === '');
    expect(await metric(frontend.registry, 'zonemesh_proxy_control_plane_connected')).toBe(1);
  });

  it('runs active checks through mTLS to the app: an http check on a non-HTTP app takes the endpoint out', async () => {
    const cp = await startFakeControlPlane();
    cleanups.push(() => cp.close());
    const { ports, frontend, frontendConfig } = await pair(cp);
    const config = frontendConfig();
    const [out] = config.outbounds;
    if (out === undefined) throw new Error('no outbound');
    const healthCheck = {
      interval: 50,
      timeout: 500,
      unhealthyThreshold: 1,
      healthyThreshold: 1,
      type: 'http' as const,
      path: '/health',
      policy: { type: 'HealthCheck', name: 'backend-http' },
    };
    cp.push('frontend-1', { ...config, outbounds: [{ ...out, healthCheck }] });
    const labels = { service: 'backend', endpoint: `127.0.0.1:${ports.backendIn}` };
    await eventually('endpoint unhealthy', async () => {
      const gauge = (await frontend.registry.getMetricsAsJSON()).find(
        (m) => m.name === 'zonemesh_proxy_endpoint_healthy',
      );
      return gauge?.values.some((v) => v.labels.endpoint === labels.endpoint && v.value === 0) === true;
    });
    expect(await call(ports.outbound)).toBe('');
    expect(
      await metric(frontend.registry, 'zonemesh_proxy_upstream_failures_total', { reason: 'no_endpoint' }),
    ).toBeGreaterThan(0);
    // A tcp check passes (the handshake completes): the endpoint comes back.
    const tcp = { ...healthCheck, type: 'tcp' as const };
    cp.push('frontend-1', { ...config, version: 'tcp-check', outbounds: [{ ...out, healthCheck: tcp }] });
    await eventually('endpoint back', async () => (await call(ports.outbound)) === 'backend');
  });

  it('with mTLS off speaks plaintext, allows everyone and uses local endpoints only', async () => {
    const cp = await startFakeControlPlane();
    cleanups.push(() => cp.close());
    const ports = {
      backendIn: await freePort(),
      outbound: await freePort(),
      backendApp: await startApp('backend'),
    };
    const off = { enabled: false };
    cp.push('backend-1', {
      ...proxyConfig(
        'backend-1',
        'backend',
        { inbound: ports.backendIn, app: ports.backendApp },
        { permissions: null },
      ),
      mtls: off,
    });
    const remote = { ...endpoint(await freePort(), 'backend'), zone: 'zone-2', local: false, weight: 10 };
    cp.push('frontend-1', {
      ...proxyConfig(
        'frontend-1',
        'frontend',
        { inbound: await freePort(), app: 1 },
        {
          outbounds: [outbound(ports.outbound, 'backend', [remote, endpoint(ports.backendIn, 'backend')])],
        },
      ),
      mtls: off,
    });
    await startSidecar(cp, 'backend-1', 'backend', ports.backendIn);
    const frontend = await startSidecar(cp, 'frontend-1', 'frontend', await freePort());
    for (let i = 0; i < 3; i++) expect(await call(ports.outbound)).toBe('backend');
    expect(await call(ports.backendIn)).toBe('backend');
    expect(await metric(frontend.registry, 'zonemesh_proxy_upstream_failures_total')).toBe(0);
    expect(cp.registrations.every((r) => r.csr !== undefined)).toBe(true);
  });

  it('renews its certificate before it expires, with a fresh CSR', async () => {
    const cp = await startFakeControlPlane({ certificateLifetimeMs: 2_500 });
    cleanups.push(() => cp.close());
    const { ports } = await pair(cp);
    await eventually('renewals', () => cp.certificateRequests >= 2, 10_000);
    expect(await call(ports.outbound)).toBe('backend');
  });
});
