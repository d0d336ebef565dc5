import { type FakeKubeApi, startFakeKubeApi } from '@zonemesh/testkit';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
// The store package's one conformance suite (test code, not part of its built API).
import { describeStoreConformance } from '../../store/src/store-conformance.test-suite.js';
import { crdFiles } from './crd-files.js';
import { clientFor, eventually } from './kube-test-objects.test-suite.js';
import { candidateNames, createKubernetesStore } from './kubernetes-store.js';

const apis: FakeKubeApi[] = [];
afterAll(async () => {
  await Promise.all(apis.splice(0).map((api) => api.close()));
});

/** A fresh fake API server with the CRDs applied, as `kubectl apply -f deploy/crds` would. */
async function apiWithCrds(): Promise<FakeKubeApi> {
  const api = await startFakeKubeApi();
  apis.push(api);
  for (const file of crdFiles()) {
    await api.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', parse(file.text));
  }
  return api;
}

describeStoreConformance(
  'kubernetes',
  {
    open: async ({ historyLimit }) => {
      const api = await apiWithCrds();
      const open = () =>
        createKubernetesStore({ client: clientFor(api), namespace: 'default', historyLimit });
      return { store: open(), openAnother: async () => open() };
    },
  },
  { sharedRevisions: false },
);

describe('createKubernetesStore', () => {
  it('stores resources as kuma.io objects kubectl sees, and reads objects kubectl applied', async () => {
    const api = await apiWithCrds();
    const store = createKubernetesStore({ client: clientFor(api), namespace: 'default' });
    try {
      await store.create({
        type: 'TrafficPermission',
        meta: { name: 'allow', mesh: 'payments', labels: { team: 'a' } },
        spec: {
          sources: [{ match: { 'kuma.io/service': '*' } }],
          destinations: [{ match: { 'kuma.io/service': '*' } }],
        },
      });
      const object = await api.call('GET', '/apis/kuma.io/v1alpha1/trafficpermissions/allow');
      expect(object).toMatchObject({
        apiVersion: 'kuma.io/v1alpha1',
        kind: 'TrafficPermission',
        mesh: 'payments',
      });

      await api.call('POST', '/apis/kuma.io/v1alpha1/meshhealthchecks', {
        metadata: { name: 'from-kubectl', labels: { 'kuma.io/mesh': 'payments' } },
        spec: { targetRef: { kind: 'Mesh' } },
      });
      const applied = await store.get({ type: 'MeshHealthCheck', mesh: 'payments', name: 'from-kubectl' });
      expect(applied?.spec).toEqual({ targetRef: { kind: 'Mesh' } });
      const revision = await store.revision();
      const iterator = store.watch({ fromRevision: revision })[Symbol.asyncIterator]();
      const next = iterator.next();
      await api.call('DELETE', '/apis/kuma.io/v1alpha1/meshhealthchecks/from-kubectl');
      const event = await next;
      expect(event.value).toMatchObject({
        type: 'delete',
        revision: revision + 1,
        resource: { meta: { name: 'from-kubectl' } },
      });
      await iterator.return?.();
    } finally {
      await store.close();
    }
  });

  it('names the object after the resource, and hashes the name when another mesh holds it', () => {
    expect(candidateNames({ type: 'TrafficPermission', mesh: 'a', name: 'allow' })[0]).toBe('allow');
    const [, hashed] = candidateNames({ type: 'TrafficPermission', mesh: 'a', name: 'allow' });
    const [, other] = candidateNames({ type: 'TrafficPermission', mesh: 'b', name: 'allow' });
    expect(hashed).toMatch(/^allow-[0-9a-f]{10}$/);
    expect(other).not.toBe(hashed);
    expect(candidateNames({ type: 'Zone', name: 'Upper_Case' })).toEqual([
      expect.stringMatching(/^upper-case-[0-9a-f]{10}$/),
    ]);
  });

  it('a 410 Gone relists a kind: changes made meanwhile become events once, nothing is lost', async () => {
    const api = await apiWithCrds();
    const store = createKubernetesStore({ client: clientFor(api), namespace: 'default' });
    try {
      await store.create({ type: 'Zone', meta: { name: 'keep' }, spec: { enabled: true } });
      await store.create({ type: 'Zone', meta: { name: 'gone' }, spec: { enabled: true } });
      const revision = await store.revision();
      api.suspendWatches();
      const zones = '/apis/kuma.io/v1alpha1/zones';
      await api.call('POST', zones, { metadata: { name: 'new' }, spec: { enabled: true } });
      await api.call('DELETE', `${zones}/gone`);
      api.compact();
      api.resumeWatches();
      await eventually(async () => expect(await store.revision()).toBe(revision + 2));
      const events = [];
      const iterator = store.watch({ fromRevision: revision })[Symbol.asyncIterator]();
      for (let i = 0; i < 2; i++) events.push((await iterator.next()).value);
      await iterator.return?.();
      expect(events.map((event) => `${event?.type} ${event?.resource.meta.name}`).sort()).toEqual([
        'create new',
        'delete gone',
      ]);
    } finally {
      await store.close();
    }
  });

  it('keeps key-holding checkpoints in a Secret, others in the ConfigMap, and moves old ones', async () => {
    const api = await apiWithCrds();
    const configMap = '/api/v1/namespaces/default/configmaps/zonemesh-store-checkpoints';
    const secret = '/api/v1/namespaces/default/secrets/zonemesh-store-secrets';
    const caName = 'zonemesh.io/mesh-ca/root/default/ca-1';
    // What an older version left: a CA key in the ConfigMap.
    await api.call('POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'zonemesh-store-checkpoints' },
      data: { [dataKeyOf(caName)]: 'old-ca-key' },
    });
    const store = createKubernetesStore({ client: clientFor(api), namespace: 'default' });
    try {
      expect(await store.getCheckpoint(caName)).toBe('old-ca-key');
      await store.setCheckpoint({ name: 'zonemesh.io/auth/signing-keys', value: '{"private":"k"}' });
      await store.setCheckpoint({ name: 'zonemesh.io/auth/revocations', value: '[]' });
      await store.setCheckpoint({ name: caName, value: 'new-ca-key' });

      const secretData = ((await api.call('GET', secret)) as { data: Record<string, string> }).data;
      const configMapData = ((await api.call('GET', configMap)) as { data: Record<string, string> }).data;
      const decoded = Object.fromEntries(
        Object.entries(secretData).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]),
      );
      expect(decoded).toEqual({
        [dataKeyOf('zonemesh.io/auth/signing-keys')]: '{"private":"k"}',
        [dataKeyOf(caName)]: 'new-ca-key',
      });
      expect(configMapData).toEqual({ [dataKeyOf('zonemesh.io/auth/revocations')]: '[]' });
      expect(await store.getCheckpoint('zonemesh.io/auth/signing-keys')).toBe('{"private":"k"}');
      expect(await store.getCheckpoint(caName)).toBe('new-ca-key');
      expect(await store.getCheckpoint('zonemesh.io/auth/revocations')).toBe('[]');
    } finally {
      await store.close();
    }
  });
});

/** The data key the store writes a checkpoint name as. */
function dataKeyOf(name: string): string {
  return name.replace(/[^-.a-zA-Z0-9]|_/g, (char) => `_${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
