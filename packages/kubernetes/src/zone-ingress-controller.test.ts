import { createMemoryStore, type ResourceStore } from '@zonemesh/store';
import { type FakeKubeApi, type KubeObject, startFakeKubeApi } from '@zonemesh/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientFor, eventually, testLog } from './kube-test-objects.test-suite.js';
import {
  advertisedAddressOf,
  startZoneIngressController,
  type ZoneIngressController,
} from './zone-ingress-controller.js';

const ns = 'zonemesh-system';
const ingressLabels = { 'app.kubernetes.io/component': 'zone-ingress' };

function ingressService(type: string, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    metadata: { name: 'zonemesh-ingress', namespace: ns, labels: ingressLabels, ...extra.metadata },
    spec: { type, selector: ingressLabels, ports: [{ port: 10001, targetPort: 10001, nodePort: 30001 }] },
    ...(extra.status === undefined ? {} : { status: extra.status }),
  };
}

function ingressPod(name: string, ip: string, node = 'node-1'): KubeObject {
  return {
    metadata: { name, namespace: ns, labels: ingressLabels },
    spec: { nodeName: node, containers: [{ name: 'ingress', image: 'zonemesh/zonemesh:test' }] },
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

const nodes: KubeObject[] = [
  { metadata: { name: 'node-1' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.0.11' }] } },
  {
    metadata: { name: 'node-2' },
    status: {
      addresses: [
        { type: 'InternalIP', address: '192.168.0.12' },
        { type: 'ExternalIP', address: '203.0.113.12' },
      ],
    },
  },
];

describe('advertisedAddressOf', () => {
  it('takes the annotations first, then the load balancer, then the node address and NodePort', () => {
    const pod = ingressPod('i', '10.0.0.9');
    expect(
      advertisedAddressOf(
        ingressService('LoadBalancer', {
          metadata: {
            annotations: {
              'kuma.io/ingress-public-address': 'ingress.example.com',
              'kuma.io/ingress-public-port': '443',
            },
          },
          status: { loadBalancer: { ingress: [{ ip: '198.51.100.1' }] } },
        }),
        pod,
        nodes,
      ),
    ).toMatchObject({ kind: 'found', address: 'ingress.example.com', port: 443 });
    expect(
      advertisedAddressOf(
        ingressService('LoadBalancer', { status: { loadBalancer: { ingress: [{ ip: '198.51.100.1' }] } } }),
        pod,
        nodes,
      ),
    ).toMatchObject({ kind: 'found', address: '198.51.100.1', port: 10001 });
    expect(
      advertisedAddressOf(
        ingressService('LoadBalancer', {
          status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } },
        }),
        pod,
        nodes,
      ),
    ).toMatchObject({ kind: 'found', address: 'lb.example.com', port: 10001 });
    expect(advertisedAddressOf(ingressService('NodePort'), pod, nodes)).toMatchObject({
      address: '192.168.0.11',
      port: 30001,
    });
    expect(
      advertisedAddressOf(ingressService('NodePort'), ingressPod('j', '10.0.0.8', 'node-2'), nodes),
    ).toMatchObject({
      address: '203.0.113.12',
    });
    expect(advertisedAddressOf(ingressService('ClusterIP'), pod, nodes)).toMatchObject({ kind: 'unknown' });
  });
});

describe('startZoneIngressController', () => {
  let api: FakeKubeApi;
  let store: ResourceStore;
  let abort: AbortController;
  let controller: ZoneIngressController | undefined;

  beforeEach(async () => {
    api = await startFakeKubeApi({ namespaces: ['default', ns] });
    store = createMemoryStore();
    abort = new AbortController();
  });
  afterEach(async () => {
    abort.abort();
    await controller?.done;
    await store.close();
    await api.close();
  });

  it('makes a ZoneIngress per ingress pod, advertised at the Service address as it appears, keeping availableServices', async () => {
    for (const node of nodes) await api.call('POST', '/api/v1/nodes', node);
    const service = await api.call(
      'POST',
      `/api/v1/namespaces/${ns}/services`,
      ingressService('LoadBalancer'),
    );
    await api.call('POST', `/api/v1/namespaces/${ns}/pods`, ingressPod('zonemesh-ingress-abc', '10.0.0.9'));
    controller = startZoneIngressController({
      client: clientFor(api),
      store,
      namespace: ns,
      zone: 'zone-k',
      log: testLog,
      signal: abort.signal,
    });
    await controller.synced;
    const key = { type: 'ZoneIngress' as const, name: 'zonemesh-ingress-abc.zonemesh-system' };
    // A load balancer without an address yet falls back to the node port.
    expect((await store.get(key))?.spec).toEqual({
      zone: 'zone-k',
      networking: {
        address: '10.0.0.9',
        port: 10001,
        advertisedAddress: '192.168.0.11',
        advertisedPort: 30001,
      },
    });

    // The dataplane server maintains availableServices; the controller keeps them.
    const current = await store.get(key);
    await store.update({
      type: 'ZoneIngress',
      meta: { name: key.name, labels: { ...current?.meta.labels } },
      spec: {
        ...(current?.spec as object),
        availableServices: [{ tags: { 'kuma.io/service': 'web' }, instances: 2, mesh: 'default' }],
      },
    });

    await api.call('PUT', `/api/v1/namespaces/${ns}/services/zonemesh-ingress`, {
      ...service,
      metadata: { ...service.metadata, resourceVersion: undefined },
      status: { loadBalancer: { ingress: [{ ip: '198.51.100.7' }] } },
    });
    await eventually(async () =>
      expect((await store.get(key))?.spec).toEqual({
        zone: 'zone-k',
        networking: {
          address: '10.0.0.9',
          port: 10001,
          advertisedAddress: '198.51.100.7',
          advertisedPort: 10001,
        },
        availableServices: [{ tags: { 'kuma.io/service': 'web' }, instances: 2, mesh: 'default' }],
      }),
    );

    await api.call('DELETE', `/api/v1/namespaces/${ns}/pods/zonemesh-ingress-abc`);
    await eventually(async () => expect(await store.get(key)).toBeUndefined());
  });
});
