import { type Resource, type NewResource } from '@zonemesh/api';
import { createMemoryStore, type ResourceStore, type StoreEvent } from '@zonemesh/store';
import { type FakeKubeApi, startFakeKubeApi } from '@zonemesh/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientFor, eventually, namespace, pod, service, testLog } from './kube-test-objects.test-suite.js';
import { startWorkloadController, type WorkloadController } from './workload-controller.js';

describe('startWorkloadController', () => {
  let api: FakeKubeApi;
  let store: ResourceStore;
  let controller: WorkloadController | undefined;
  let abort: AbortController;

  beforeEach(async () => {
    api = await startFakeKubeApi();
    store = createMemoryStore();
    abort = new AbortController();
  });
  afterEach(async () => {
    abort.abort();
    await controller?.done;
    controller = undefined;
    await store.close();
    await api.close();
  });

  function start(): WorkloadController {
    controller = startWorkloadController({
      client: clientFor(api),
      store,
      zone: 'zone-k',
      log: testLog,
      signal: abort.signal,
    });
    return controller;
  }

  async function dataplanes(): Promise<Record<string, Resource>> {
    const page = await store.list('Dataplane');
    return Object.fromEntries(page.items.map((item) => [`${item.meta.mesh}/${item.meta.name}`, item]));
  }

  it('turns a ready pod behind a service into a Dataplane with one inbound per service port', async () => {
    await api.call('POST', '/api/v1/namespaces', namespace('shop'));
    await api.call(
      'POST',
      '/api/v1/namespaces/shop/services',
      service('web', 'shop', { app: 'web' }, [
        { port: 80, targetPort: 'http', appProtocol: 'http' },
        { port: 9090, targetPort: 9090 },
      ]),
    );
    await api.call(
      'POST',
      '/api/v1/namespaces/shop/pods',
      pod({
        name: 'web-1',
        namespace: 'shop',
        labels: { app: 'web', version: 'v1', empty: '' },
        ip: '10.0.0.5',
        ports: [{ name: 'http', containerPort: 8080 }],
      }),
    );
    await start().synced;
    const found = await dataplanes();
    expect(Object.keys(found)).toEqual(['default/web-1.shop']);
    const dp = found['default/web-1.shop'];
    expect(dp?.meta.labels).toMatchObject({ 'k8s.kuma.io/namespace': 'shop' });
    expect(dp?.spec).toEqual({
      networking: {
        address: '10.0.0.5',
        inbound: [
          {
            port: 8080,
            tags: {
              app: 'web',
              version: 'v1',
              'kuma.io/service': 'web_shop_svc_80',
              'kuma.io/zone': 'zone-k',
              'kuma.io/protocol': 'http',
              'k8s.kuma.io/namespace': 'shop',
              'k8s.kuma.io/service-name': 'web',
              'k8s.kuma.io/service-port': '80',
            },
          },
          {
            port: 9090,
            tags: {
              app: 'web',
              version: 'v1',
              'kuma.io/service': 'web_shop_svc_9090',
              'kuma.io/zone': 'zone-k',
              'kuma.io/protocol': 'tcp',
              'k8s.kuma.io/namespace': 'shop',
              'k8s.kuma.io/service-name': 'web',
              'k8s.kuma.io/service-port': '9090',
            },
          },
        ],
      },
    });
  });

  it('follows changes and deletes of pods, services and namespaces within a second', async () => {
    await api.call('POST', '/api/v1/namespaces', namespace('shop'));
    await api.call('POST', '/api/v1/namespaces', namespace('plain', false));
    await api.call(
      'POST',
      '/api/v1/namespaces/shop/services',
      service('web', 'shop', { app: 'web' }, [{ port: 80 }]),
    );
    await api.call(
      'POST',
      '/api/v1/namespaces/plain/services',
      service('web', 'plain', { app: 'web' }, [{ port: 80 }]),
    );
    await api.call(
      'POST',
      '/api/v1/namespaces/plain/pods',
      pod({ name: 'p', namespace: 'plain', labels: { app: 'web' }, ip: '10.0.1.1' }),
    );
    await start().synced;
    expect(await dataplanes()).toEqual({});

    const timed = async (check: () => Promise<void>): Promise<void> => {
      const started = Date.now();
      await eventually(check, 5_000);
      expect(Date.now() - started).toBeLessThan(1_000);
    };

    const created = await api.call(
      'POST',
      '/api/v1/namespaces/shop/pods',
      pod({ name: 'web-1', namespace: 'shop', labels: { app: 'web', version: 'v1' }, ip: '10.0.0.5' }),
    );
    await timed(async () => expect(Object.keys(await dataplanes())).toEqual(['default/web-1.shop']));

    // A label change is a tag change.
    const relabelled = await api.call('PUT', '/api/v1/namespaces/shop/pods/web-1', {
      ...created,
      metadata: { ...created.metadata, labels: { app: 'web', version: 'v2' } },
    });
    await timed(async () =>
      expect((await dataplanes())['default/web-1.shop']?.spec).toMatchObject({
        networking: { inbound: [{ tags: { version: 'v2' } }] },
      }),
    );

    // The mesh annotation moves the Dataplane to another mesh.
    const moved = await api.call('PUT', '/api/v1/namespaces/shop/pods/web-1', {
      ...relabelled,
      metadata: { ...relabelled.metadata, annotations: { 'kuma.io/mesh': 'payments' } },
    });
    await timed(async () => expect(Object.keys(await dataplanes())).toEqual(['payments/web-1.shop']));

    // Not ready: no Dataplane.
    const notReady = await api.call('PUT', '/api/v1/namespaces/shop/pods/web-1', {
      ...moved,
      status: { phase: 'Running', podIP: '10.0.0.5', conditions: [{ type: 'Ready', status: 'False' }] },
    });
    await timed(async () => expect(await dataplanes()).toEqual({}));
    await api.call('PUT', '/api/v1/namespaces/shop/pods/web-1', { ...notReady, status: moved.status });
    await timed(async () => expect(Object.keys(await dataplanes())).toEqual(['payments/web-1.shop']));

    // Without the service there is nothing to serve.
    await api.call('DELETE', '/api/v1/namespaces/shop/services/web');
    await timed(async () => expect(await dataplanes()).toEqual({}));
    await api.call(
      'POST',
      '/api/v1/namespaces/shop/services',
      service('web', 'shop', { app: 'web' }, [{ port: 80 }]),
    );
    await timed(async () => expect(Object.keys(await dataplanes())).toEqual(['payments/web-1.shop']));

    // Injection switched off for the namespace, then the pod deleted.
    const ns = await api.call('GET', '/api/v1/namespaces/shop');
    await api.call('PUT', '/api/v1/namespaces/shop', { ...ns, metadata: { ...ns.metadata, labels: {} } });
    await timed(async () => expect(await dataplanes()).toEqual({}));
    await api.call('PUT', '/api/v1/namespaces/shop', {
      ...ns,
      metadata: { ...ns.metadata, resourceVersion: undefined },
    });
    await timed(async () => expect(Object.keys(await dataplanes())).toEqual(['payments/web-1.shop']));
    await api.call('DELETE', '/api/v1/namespaces/shop/pods/web-1');
    await timed(async () => expect(await dataplanes()).toEqual({}));
  });

  it('relists after 410 Gone and writes exactly what changed meanwhile: nothing lost, nothing twice', async () => {
    await api.call('POST', '/api/v1/namespaces', namespace('shop'));
    await api.call(
      'POST',
      '/api/v1/namespaces/shop/services',
      service('web', 'shop', { app: 'web' }, [{ port: 80 }]),
    );
    for (const [name, ip] of [
      ['keep', '10.0.0.1'],
      ['change', '10.0.0.2'],
      ['gone', '10.0.0.3'],
    ] as const) {
      await api.call(
        'POST',
        '/api/v1/namespaces/shop/pods',
        pod({ name, namespace: 'shop', labels: { app: 'web' }, ip }),
      );
    }
    const started = start();
    await started.synced;
    expect(Object.keys(await dataplanes()).sort()).toEqual([
      'default/change.shop',
      'default/gone.shop',
      'default/keep.shop',
    ]);
    const listsBefore = started.lists();
    const events: StoreEvent[] = [];
    const watchAbort = new AbortController();
    const watching = (async () => {
      for await (const event of store.watch({
        fromRevision: await store.revision(),
        signal: watchAbort.signal,
      })) {
        events.push(event);
      }
    })();

    api.suspendWatches();
    const change = await api.call('GET', '/api/v1/namespaces/shop/pods/change');
    await api.call('PUT', '/api/v1/namespaces/shop/pods/change', {
      ...change,
      metadata: { ...change.metadata, labels: { app: 'web', version: 'v2' } },
    });
    await api.call('DELETE', '/api/v1/namespaces/shop/pods/gone');
    await api.call(
      'POST',
      '/api/v1/namespaces/shop/pods',
      pod({ name: 'new', namespace: 'shop', labels: { app: 'web' }, ip: '10.0.0.4' }),
    );
    api.compact();
    api.resumeWatches();

    await eventually(async () =>
      expect(Object.keys(await dataplanes()).sort()).toEqual([
        'default/change.shop',
        'default/keep.shop',
        'default/new.shop',
      ]),
    );
    // Give stray duplicates a chance to show before counting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    watchAbort.abort();
    await watching;
    expect(events.map((event) => `${event.type} ${event.resource.meta.name}`).sort()).toEqual([
      'create new.shop',
      'delete gone.shop',
      'update change.shop',
    ]);
    expect((await dataplanes())['default/change.shop']?.spec).toMatchObject({
      networking: { inbound: [{ tags: { version: 'v2' } }] },
    });
    expect(started.lists()).toBe(listsBefore + 3);
  });

  it('removes stored Dataplanes of pods that went away while it was not running, and leaves others alone', async () => {
    await store.create(orphan('old-pod.shop', 'shop'));
    await store.create({ ...orphan('universal-1', 'shop'), meta: { name: 'universal-1', mesh: 'default' } });
    await api.call('POST', '/api/v1/namespaces', namespace('shop'));
    await start().synced;
    expect(Object.keys(await dataplanes())).toEqual(['default/universal-1']);
  });
});

function orphan(name: string, ns: string): NewResource {
  return {
    type: 'Dataplane',
    meta: {
      name,
      mesh: 'default',
      labels: { 'k8s.kuma.io/namespace': ns, 'zonemesh.io/managed-by': 'kubernetes-workloads' },
    },
    spec: { networking: { address: '10.9.9.9', inbound: [{ port: 80, tags: { 'kuma.io/service': 'x' } }] } },
  };
}
