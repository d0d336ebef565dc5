/**
 * Global and zone control planes both on Kubernetes with `--store kubernetes`, each on its own
 * (fake) API server with the CRDs of deploy/crds applied, federated over a real nats-server:
 * - `kubectl apply` of a policy on global's cluster is what global serves, and it reaches the
 *   zone, whose store writes it as a kuma.io object of the zone's cluster;
 * - the zone's validating webhook refuses a policy applied there with Kuma's wording, and an
 *   invalid policy on global with the REST API's field errors;
 * - Pods in the zone become Dataplane objects there and reach global's cluster;
 * - a policy deleted with kubectl on global disappears from the zone.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type FakeKubeApi,
  freePort,
  type KubeObject,
  type ManagedProcess,
  type NatsServer,
  startFakeKubeApi,
  startNats,
  startProcess,
} from '@zonemesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const zonemeshCp = fileURLToPath(new URL('../node_modules/.bin/zonemesh-cp', import.meta.url));
const crdFolder = fileURLToPath(new URL('../deploy/crds/', import.meta.url));
const cpToken = 'control-plane-token';
const cpUser = 'system:serviceaccount:zonemesh-system:zonemesh-control-plane';
const tps = '/apis/kuma.io/v1alpha1/trafficpermissions';

interface Cluster {
  readonly api: FakeKubeApi;
  readonly cp: ManagedProcess;
  readonly base: string;
}

describe('global and zone on Kubernetes with --store kubernetes', () => {
  let nats: NatsServer;
  let folder: string;
  let global: Cluster;
  let zone: Cluster;

  beforeAll(async () => {
    nats = await startNats();
    folder = mkdtempSync(join(tmpdir(), 'zonemesh-kube-store-'));
    global = await cluster('global', ['--mode', 'global']);
    zone = await cluster('zone-k', ['--mode', 'zone', '--zone', 'zone-k']);
  });

  afterAll(async () => {
    await zone?.cp.stop();
    await global?.cp.stop();
    await zone?.api.close();
    await global?.api.close();
    await nats?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  async function cluster(name: string, flags: string[]): Promise<Cluster> {
    const webhookPort = await freePort();
    const api = await startFakeKubeApi({
      users: { [cpToken]: cpUser },
      namespaces: ['default', 'kube-system', 'zonemesh-system'],
      resolveService: () => `https://127.0.0.1:${webhookPort}`,
    });
    for (const file of readdirSync(crdFolder).filter((entry) => entry.endsWith('.yaml'))) {
      await api.call(
        'POST',
        '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
        parse(readFileSync(join(crdFolder, file), 'utf8')),
      );
    }
    const kubeconfig = join(folder, `${name}.kubeconfig`);
    writeFileSync(kubeconfig, api.kubeconfig(cpToken));
    const apiPort = await freePort();
    const dpPort = await freePort();
    const cp = await startProcess({
      command: zonemeshCp,
      args: [
        'run',
        ...flags,
        '--environment',
        'kubernetes',
        '--store',
        'kubernetes',
        '--nats-url',
        nats.url,
        '--api-address',
        `127.0.0.1:${apiPort}`,
        '--dp-server-address',
        `127.0.0.1:${dpPort}`,
        '--webhook-address',
        `127.0.0.1:${webhookPort}`,
      ],
      env: { PATH: process.env.PATH ?? '', KUBECONFIG: kubeconfig, HOME: folder },
      name,
      readyPort: apiPort,
      readyTimeoutMs: 30_000,
    });
    const base = `http://127.0.0.1:${apiPort}`;
    await eventually(async () => expect((await fetch(`${base}/ready`)).status).toBe(200), 20_000);
    await eventually(async () =>
      expect(
        (
          await api.request(
            'GET',
            '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/zonemesh-validator',
          )
        ).status,
      ).toBe(200),
    );
    return { api, cp, base };
  }

  it('takes kubectl-applied policies on global, syncs them into the zone cluster, and refuses them on the zone', async () => {
    // Global made Mesh default in its store: an object of its cluster.
    await eventually(async () =>
      expect((await global.api.request('GET', '/apis/kuma.io/v1alpha1/meshes/default')).status).toBe(200),
    );

    const created = await global.api.request(
      'POST',
      tps,
      trafficPermission('web-to-backend', 'backend_shop_svc_80'),
    );
    expect(created.status).toBe(201);
    const served = await fetch(`${global.base}/meshes/default/traffic-permissions/web-to-backend`);
    expect(served.status).toBe(200);

    const invalid = await global.api.request('POST', tps, {
      ...trafficPermission('broken', 'x'),
      spec: { sources: [{ match: {} }], destinations: [{ match: { 'kuma.io/service': 'x' } }] },
    });
    expect(invalid.status).toBe(422);
    const rest = await fetch(`${global.base}/meshes/default/traffic-permissions/broken`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'TrafficPermission',
        name: 'broken',
        mesh: 'default',
        sources: [{ match: {} }],
        destinations: [{ match: { 'kuma.io/service': 'x' } }],
      }),
    });
    const restBody = (await rest.json()) as { causes: Array<{ field: string; message: string }> };
    const causes = (invalid.body.details as { causes: Array<{ field: string; message: string }> }).causes;
    expect(causes.map(({ field, message }) => ({ field, message }))).toEqual(restBody.causes);

    // The zone received it over NATS and its store wrote it as an object of the zone's cluster.
    await eventually(async () => {
      const copy = await zone.api.request('GET', `${tps}/web-to-backend`);
      expect(copy.status).toBe(200);
      expect(copy.body.spec).toEqual(trafficPermission('x', 'backend_shop_svc_80').spec);
    }, 15_000);
    expect((await fetch(`${zone.base}/meshes/default/traffic-permissions/web-to-backend`)).status).toBe(200);

    const refused = await zone.api.request('POST', tps, trafficPermission('local-rule', 'x'));
    expect(refused.status).toBe(403);
    expect(String(refused.body.message)).toContain(
      'Operation not allowed. Kuma resources like TrafficPermission can be updated or deleted only from the GLOBAL control plane and not from a ZONE control plane.',
    );
  });

  it("stores the zone's Pods as Dataplane objects in the zone cluster and in global's", async () => {
    await zone.api.call('POST', '/api/v1/namespaces', {
      metadata: { name: 'shop', labels: { 'kuma.io/sidecar-injection': 'enabled' } },
    });
    await zone.api.call('POST', '/api/v1/namespaces/shop/services', {
      metadata: { name: 'backend' },
      spec: { selector: { app: 'backend' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    await zone.api.call('POST', '/api/v1/namespaces/shop/pods', {
      metadata: { name: 'backend-1', labels: { app: 'backend' } },
      spec: { containers: [{ name: 'app', image: 'backend:1' }] },
      status: { phase: 'Running', podIP: '10.2.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    await eventually(async () => {
      const stored = await zone.api.request('GET', '/apis/kuma.io/v1alpha1/dataplanes/backend-1.shop');
      expect(stored.status).toBe(200);
      expect(stored.body.mesh).toBe('default');
    });
    await eventually(async () => {
      const onGlobal = await global.api.request(
        'GET',
        '/apis/kuma.io/v1alpha1/dataplanes/zone-k.backend-1.shop',
      );
      expect(onGlobal.status).toBe(200);
    }, 15_000);
    expect((await fetch(`${global.base}/meshes/default/dataplanes/zone-k.backend-1.shop`)).status).toBe(200);
  });

  it('deletes in the zone what kubectl deleted on global', async () => {
    await global.api.call('DELETE', `${tps}/web-to-backend`);
    await eventually(
      async () => expect((await zone.api.request('GET', `${tps}/web-to-backend`)).status).toBe(404),
      15_000,
    );
    expect((await fetch(`${zone.base}/meshes/default/traffic-permissions/web-to-backend`)).status).toBe(404);
  });
});

function trafficPermission(name: string, destination: string): KubeObject {
  return {
    apiVersion: 'kuma.io/v1alpha1',
    kind: 'TrafficPermission',
    mesh: 'default',
    metadata: { name },
    spec: {
      sources: [{ match: { 'kuma.io/service': 'web_shop_svc_80' } }],
      destinations: [{ match: { 'kuma.io/service': destination } }],
    },
  };
}

async function eventually(check: () => Promise<void>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
