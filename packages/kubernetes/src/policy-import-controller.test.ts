import { createMemoryStore, type ResourceStore } from '@zonemesh/store';
import { type FakeKubeApi, startFakeKubeApi } from '@zonemesh/testkit';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crdFiles } from './crd-files.js';
import { clientFor, eventually, testLog } from './kube-test-objects.test-suite.js';
import { startPolicyImport, type PolicyImport } from './policy-import-controller.js';

const tpPath = '/apis/kuma.io/v1alpha1/trafficpermissions';

function trafficPermission(name: string, mesh: string, destination: string): Record<string, unknown> {
  return {
    apiVersion: 'kuma.io/v1alpha1',
    kind: 'TrafficPermission',
    mesh,
    metadata: { name },
    spec: {
      sources: [{ match: { 'kuma.io/service': 'web' } }],
      destinations: [{ match: { 'kuma.io/service': destination } }],
    },
  };
}

describe('startPolicyImport', () => {
  let api: FakeKubeApi;
  let store: ResourceStore;
  let abort: AbortController;
  let running: PolicyImport | undefined;

  beforeEach(async () => {
    api = await startFakeKubeApi();
    for (const file of crdFiles()) {
      await api.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', parse(file.text));
    }
    store = createMemoryStore();
    abort = new AbortController();
  });
  afterEach(async () => {
    abort.abort();
    await running?.done;
    running = undefined;
    await store.close();
    await api.close();
  });

  function start(): PolicyImport {
    running = startPolicyImport({ client: clientFor(api), store, log: testLog, signal: abort.signal });
    return running;
  }

  it('copies kubectl-applied policies and meshes into the store and follows changes and deletes', async () => {
    await api.call('POST', '/apis/kuma.io/v1alpha1/meshes', {
      metadata: { name: 'payments' },
      spec: { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } },
    });
    await api.call('POST', tpPath, trafficPermission('web-to-api', 'payments', 'api'));
    await start().synced;
    expect((await store.get({ type: 'Mesh', name: 'payments' }))?.spec).toMatchObject({
      mtls: { enabledBackend: 'ca-1' },
    });
    const copied = await store.get({ type: 'TrafficPermission', mesh: 'payments', name: 'web-to-api' });
    expect(copied?.spec).toEqual(trafficPermission('x', 'y', 'api').spec);
    expect(copied?.meta.labels['zonemesh.io/managed-by']).toBe('kubernetes-crds');

    const current = await api.call('GET', `${tpPath}/web-to-api`);
    await api.call('PUT', `${tpPath}/web-to-api`, {
      ...trafficPermission('web-to-api', 'payments', 'db'),
      metadata: current.metadata,
    });
    await eventually(async () =>
      expect(
        (await store.get({ type: 'TrafficPermission', mesh: 'payments', name: 'web-to-api' }))?.spec,
      ).toEqual(trafficPermission('x', 'y', 'db').spec),
    );
    await api.call('DELETE', `${tpPath}/web-to-api`);
    await eventually(async () =>
      expect(
        await store.get({ type: 'TrafficPermission', mesh: 'payments', name: 'web-to-api' }),
      ).toBeUndefined(),
    );
  });

  it('skips invalid objects, leaves REST-written resources alone and removes copies whose object went away while stopped', async () => {
    await store.create({
      type: 'TrafficPermission',
      meta: { name: 'from-rest', mesh: 'default' },
      spec: trafficPermission('x', 'y', 'a').spec,
    });
    await store.create({
      type: 'TrafficPermission',
      meta: { name: 'stale', mesh: 'default', labels: { 'zonemesh.io/managed-by': 'kubernetes-crds' } },
      spec: trafficPermission('x', 'y', 'a').spec,
    });
    await api.call('POST', tpPath, {
      ...trafficPermission('broken', 'default', 'a'),
      spec: { sources: [], destinations: [] },
    });
    await api.call('POST', tpPath, trafficPermission('good', 'default', 'a'));
    await start().synced;
    const names = (await store.list('TrafficPermission')).items.map((item) => item.meta.name);
    expect(names).toEqual(['from-rest', 'good']);
  });
});
