/**
 * Two zones and global as processes over a real nats-server, with fake proxies over HTTP: a
 * sidecar in zone-2 sees zone-1's ingress as the endpoint of a service that lives in zone-1, both
 * zones' workload certificates chain to global's one mesh root, and a service that turns
 * unhealthy in zone-1 leaves zone-2's endpoints. Needs the built bin (the package's test script
 * builds first).
 */
import { fileURLToPath } from 'node:url';
import type { CertificateResponse, ProxyConfig, RegisterResponse } from '@zonemesh/api';
import { createCsr, verifyChain } from '@zonemesh/pki';
import { freePort, type ManagedProcess, type NatsServer, startNats, startProcess } from '@zonemesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeStream, isConfig, openStream, post } from './__fixtures__/fake-proxy.js';

const bin = fileURLToPath(new URL('../../bin/zonemesh-cp.js', import.meta.url));
const processes: ManagedProcess[] = [];
const streams: FakeStream[] = [];
let nats: NatsServer;
let global = '';
const zones: Record<string, { api: string; dp: string }> = {};

async function startCp(args: string[]): Promise<{ api: string; dp: string }> {
  const apiPort = await freePort();
  const dpPort = await freePort();
  processes.push(
    await startProcess({
      command: process.execPath,
      args: [
        bin,
        'run',
        '--api-address',
        `127.0.0.1:${apiPort}`,
        '--dp-server-address',
        `127.0.0.1:${dpPort}`,
        // The fake proxies here send no tokens: this test is about discovery and PKI.
        '--dp-auth',
        'none',
        ...args,
      ],
      env: { PATH: process.env.PATH ?? '' },
      name: 'zonemesh-cp',
      readyPort: apiPort,
    }),
  );
  return { api: `http://127.0.0.1:${apiPort}`, dp: `http://127.0.0.1:${dpPort}` };
}

/** Retries `attempt` until it returns something, for what travels through global. */
async function eventually<T>(
  attempt: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function dataplane(name: string, service: string, port: number, outbound?: string) {
  return {
    type: 'Dataplane',
    mesh: 'default',
    name,
    networking: {
      address: '127.0.0.1',
      inbound: [{ port, servicePort: port + 1000, tags: { 'kuma.io/service': service } }],
      outbound: outbound === undefined ? [] : [{ port: 20_001, tags: { 'kuma.io/service': outbound } }],
    },
  };
}

/** Registers, retrying while the zone has not received the mesh (or its CA) from global yet. */
async function register(
  zone: string,
  kind: string,
  resource: unknown,
  csr?: string,
): Promise<RegisterResponse> {
  return eventually(async () => {
    const answer = await post(zones[zone]?.dp ?? '', '/v1/register', {
      v: '1',
      kind,
      resource,
      ...(csr === undefined ? {} : { csr }),
    });
    if (answer.status === 503) return undefined;
    expect(answer.status).toBe(200);
    return answer.body as RegisterResponse;
  }, `${kind} registered in ${zone}`);
}

beforeAll(async () => {
  nats = await startNats();
  ({ api: global } = await startCp(['--mode', 'global', '--nats-url', nats.url]));
  zones['zone-1'] = await startCp(['--mode', 'zone', '--zone', 'zone-1', '--nats-url', nats.url]);
  zones['zone-2'] = await startCp(['--mode', 'zone', '--zone', 'zone-2', '--nats-url', nats.url]);
  const mesh =
    'type: Mesh\nname: default\nmtls:\n  enabledBackend: ca-1\n  backends:\n    - name: ca-1\n      type: builtin\n';
  const put = await fetch(`${global}/meshes/default`, {
    method: 'PUT',
    body: mesh,
    headers: { 'content-type': 'application/yaml' },
  });
  if (!put.ok) throw new Error(`PUT mesh answered ${put.status}`);
});

afterAll(async () => {
  for (const stream of streams) stream.close();
  await Promise.all(processes.map((cp) => cp.stop('SIGTERM')));
  await nats?.stop();
});

describe('cross-zone discovery and PKI through global', () => {
  let backendCert: CertificateResponse;
  let frontend: FakeStream;

  it("routes a zone-2 sidecar to zone-1's ingress for a service that lives in zone-1", async () => {
    await register('zone-1', 'ZoneIngress', {
      type: 'ZoneIngress',
      name: 'ingress',
      networking: {
        address: '127.0.0.1',
        port: 10_100,
        advertisedAddress: '192.0.2.1',
        advertisedPort: 30_100,
      },
    });
    const csr = await createCsr();
    const backend = await register(
      'zone-1',
      'Dataplane',
      dataplane('backend2-1', 'backend2', 10_001),
      csr.csrPem,
    );
    backendCert = backend.certificate as CertificateResponse;
    const backendStream = await openStream(zones['zone-1']?.dp ?? '', {
      kind: 'Dataplane',
      mesh: 'default',
      name: 'backend2-1',
    });
    streams.push(backendStream);

    await register('zone-2', 'Dataplane', dataplane('frontend-1', 'frontend', 10_002, 'backend2'));
    frontend = await openStream(zones['zone-2']?.dp ?? '', {
      kind: 'Dataplane',
      mesh: 'default',
      name: 'frontend-1',
    });
    streams.push(frontend);
    const line = await frontend.next(
      (l) => isConfig(l) && ((l.message.config as ProxyConfig).outbounds[0]?.endpoints.length ?? 0) > 0,
      20_000,
    );
    expect((line.message.config as ProxyConfig).outbounds[0]?.endpoints).toEqual([
      {
        address: '192.0.2.1',
        port: 30_100,
        zone: 'zone-1',
        local: false,
        weight: 1,
        tags: { 'kuma.io/service': 'backend2', 'kuma.io/zone': 'zone-1' },
      },
    ]);
  });

  it("issues certificates in both zones that chain to global's one mesh root", async () => {
    const csr = await createCsr();
    const answer = await post(zones['zone-2']?.dp ?? '', '/v1/certificates', {
      v: '1',
      kind: 'Dataplane',
      mesh: 'default',
      name: 'frontend-1',
      csr: csr.csrPem,
    });
    expect(answer.status).toBe(200);
    const frontendCert = answer.body as CertificateResponse;
    expect(frontendCert.rootsPem).toBe(backendCert.rootsPem);
    // Each side trusts the other's chain with the roots it was given.
    expect(() =>
      verifyChain(`${frontendCert.certPem}\n${frontendCert.caChainPem}`, backendCert.rootsPem),
    ).not.toThrow();
    expect(() =>
      verifyChain(`${backendCert.certPem}\n${backendCert.caChainPem}`, frontendCert.rootsPem),
    ).not.toThrow();
    // Different zones, different intermediates.
    expect(frontendCert.caChainPem).not.toBe(backendCert.caChainPem);
  });

  it('withdraws the remote endpoint when the service turns unhealthy in zone-1', async () => {
    const report = await post(zones['zone-1']?.dp ?? '', '/v1/health', {
      v: '1',
      mesh: 'default',
      name: 'backend2-1',
      inbounds: [{ port: 10_001, healthy: false }],
    });
    expect(report.status).toBe(204);
    await frontend.next(
      (l) => isConfig(l) && (l.message.config as ProxyConfig).outbounds[0]?.endpoints.length === 0,
      20_000,
    );
  });
});
