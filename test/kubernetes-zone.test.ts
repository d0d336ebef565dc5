/**
 * A zone control plane on Kubernetes, as a process: `zonemesh-cp run --mode zone --environment
 * kubernetes` finds the (fake) API server through KUBECONFIG, turns Pods behind Services into
 * Dataplanes, and those reach a global control plane over a real nats-server. Also: a 410 Gone
 * while the zone's watches were cut loses and duplicates nothing, on the zone and on global.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type FakeKubeApi,
  freePort,
  type KubeObject,
  type NatsServer,
  startFakeKubeApi,
  startNats,
} from '@zonemesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from './control-plane-process.ts';

describe('zone control plane with --environment kubernetes', () => {
  let api: FakeKubeApi;
  let nats: NatsServer;
  let folder: string;
  let global: ControlPlane;
  let zone: ControlPlane;

  beforeAll(async () => {
    // The zone CP registers its admission webhooks; the fake API calls them on this port.
    const webhookPort = await freePort();
    api = await startFakeKubeApi({ resolveService: () => `https://127.0.0.1:${webhookPort}` });
    nats = await startNats();
    folder = mkdtempSync(join(tmpdir(), 'zonemesh-kube-'));
    const kubeconfig = join(folder, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeconfig());
    global = await startControlPlane('global', ['--mode', 'global', '--nats-url', nats.url], {
      PATH: process.env.PATH ?? '',
    });
    zone = await startControlPlane(
      'zone-k',
      [
        '--mode',
        'zone',
        '--zone',
        'zone-k',
        '--environment',
        'kubernetes',
        '--nats-url',
        nats.url,
        '--webhook-address',
        `127.0.0.1:${webhookPort}`,
      ],
      // HOME points nowhere useful: the API server must be found through KUBECONFIG.
      { PATH: process.env.PATH ?? '', KUBECONFIG: kubeconfig, HOME: folder },
    );
  });

  afterAll(async () => {
    await zone?.stop();
    await global?.stop();
    await nats?.stop();
    await api?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  async function names(base: string): Promise<string[]> {
    const response = await fetch(`${base}/meshes/default/dataplanes`);
    const body = (await response.json()) as { items: Array<{ name: string }> };
    return body.items.map((item) => item.name).sort();
  }

  async function inbounds(
    base: string,
    name: string,
  ): Promise<Array<{ port: number; tags: Record<string, string> }>> {
    const response = await fetch(`${base}/meshes/default/dataplanes/${name}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      networking: { inbound: Array<{ port: number; tags: Record<string, string> }> };
    };
    return body.networking.inbound;
  }

  it('registers ready pods behind services as Dataplanes, follows changes and deletes, and reports them to global', async () => {
    expect(zone.output()).toContain('kubernetes api server found');
    await eventually(async () =>
      expect(
        (
          await api.request(
            'GET',
            '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/zonemesh-sidecar-injector',
          )
        ).status,
      ).toBe(200),
    );
    await api.call('POST', '/api/v1/namespaces', namespace('shop'));
    await api.call('POST', '/api/v1/namespaces/shop/services', {
      metadata: { name: 'backend' },
      spec: { selector: { app: 'backend' }, ports: [{ port: 80, targetPort: 8080, appProtocol: 'http' }] },
    });
    await api.call(
      'POST',
      '/api/v1/namespaces/shop/pods',
      pod('backend-1', { app: 'backend', version: 'v1' }, '10.1.0.1'),
    );
    await api.call(
      'POST',
      '/api/v1/namespaces/shop/pods',
      pod('backend-2', { app: 'backend', version: 'v1' }, '10.1.0.2'),
    );

    await eventually(async () =>
      expect(await names(zone.base)).toEqual(['backend-1.shop', 'backend-2.shop']),
    );
    expect(await inbounds(zone.base, 'backend-1.shop')).toEqual([
      {
        port: 8080,
        tags: {
          app: 'backend',
          version: 'v1',
          'kuma.io/service': 'backend_shop_svc_80',
          'kuma.io/zone': 'zone-k',
          'kuma.io/protocol': 'http',
          'k8s.kuma.io/namespace': 'shop',
          'k8s.kuma.io/service-name': 'backend',
          'k8s.kuma.io/service-port': '80',
        },
      },
    ]);
    await eventually(
      async () =>
        expect(await names(global.base)).toEqual(['zone-k.backend-1.shop', 'zone-k.backend-2.shop']),
      10_000,
    );

    const current = await api.call('GET', '/api/v1/namespaces/shop/pods/backend-1');
    await api.call('PUT', '/api/v1/namespaces/shop/pods/backend-1', {
      ...current,
      metadata: { ...current.metadata, labels: { app: 'backend', version: 'v2' } },
    });
    await api.call('DELETE', '/api/v1/namespaces/shop/pods/backend-2');
    await eventually(async () => {
      expect(await names(zone.base)).toEqual(['backend-1.shop']);
      expect((await inbounds(zone.base, 'backend-1.shop'))[0]?.tags.version).toBe('v2');
    });
    await eventually(async () => {
      expect(await names(global.base)).toEqual(['zone-k.backend-1.shop']);
      expect((await inbounds(global.base, 'zone-k.backend-1.shop'))[0]?.tags.version).toBe('v2');
    }, 10_000);
  });

  it('after a 410 Gone it relists: what changed while its watches were cut arrives once, nothing else moves', async () => {
    const before = await fetch(`${zone.base}/meshes/default/dataplanes/backend-1.shop`);
    const untouched = (await before.json()) as { modificationTime: string };

    api.suspendWatches();
    await api.call(
      'POST',
      '/api/v1/namespaces/shop/pods',
      pod('backend-3', { app: 'backend', version: 'v1' }, '10.1.0.3'),
    );
    await api.call(
      'POST',
      '/api/v1/namespaces/shop/pods',
      pod('backend-4', { app: 'backend', version: 'v1' }, '10.1.0.4'),
    );
    await api.call('DELETE', '/api/v1/namespaces/shop/pods/backend-4');
    api.compact();
    api.resumeWatches();

    await eventually(async () =>
      expect(await names(zone.base)).toEqual(['backend-1.shop', 'backend-3.shop']),
    );
    await eventually(
      async () =>
        expect(await names(global.base)).toEqual(['zone-k.backend-1.shop', 'zone-k.backend-3.shop']),
      10_000,
    );
    // The pod that did not change kept its Dataplane as it was: no rewrite, no duplicate.
    const after = (await (await fetch(`${zone.base}/meshes/default/dataplanes/backend-1.shop`)).json()) as {
      modificationTime: string;
    };
    expect(after.modificationTime).toBe(untouched.modificationTime);
    expect(zone.output()).toContain('watch history gone, listing again');
  });
});

function namespace(name: string): KubeObject {
  return { metadata: { name, labels: { 'kuma.io/sidecar-injection': 'enabled' } } };
}

function pod(name: string, labels: Record<string, string>, ip: string): KubeObject {
  return {
    metadata: { name, labels },
    spec: { containers: [{ name: 'app', image: 'backend:1' }] },
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
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
