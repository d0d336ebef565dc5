import { afterEach, describe, expect, it } from 'vitest';
import { type FakeKubeApi, startFakeKubeApi } from './fake-kube-api.js';

describe('startFakeKubeApi', () => {
  let api: FakeKubeApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('creates, lists with a resourceVersion, conflicts on a stale version and deletes', async () => {
    api = await startFakeKubeApi();
    const created = await api.call('POST', '/api/v1/namespaces/default/pods', {
      metadata: { name: 'web-1', labels: { app: 'web' } },
      spec: {},
    });
    expect(created.kind).toBe('Pod');
    expect(created.metadata?.namespace).toBe('default');
    const list = await api.call('GET', '/api/v1/pods?labelSelector=app%3Dweb');
    expect(list.kind).toBe('PodList');
    expect(Number((list.metadata as { resourceVersion: string }).resourceVersion)).toBeGreaterThanOrEqual(
      Number(created.metadata?.resourceVersion),
    );
    expect((list.items as unknown[]).length).toBe(1);
    expect((await api.call('GET', '/api/v1/pods?labelSelector=app%3Ddb')).items).toEqual([]);

    const again = await api.request('POST', '/api/v1/namespaces/default/pods', {
      metadata: { name: 'web-1' },
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', code: 409 });
    await api.call('PUT', '/api/v1/namespaces/default/pods/web-1', { ...created, spec: { x: 1 } });
    const stale = await api.request('PUT', '/api/v1/namespaces/default/pods/web-1', created);
    expect(stale.status).toBe(409);
    expect(
      (await api.request('POST', '/api/v1/namespaces/nowhere/pods', { metadata: { name: 'x' } })).status,
    ).toBe(404);
    await api.call('DELETE', '/api/v1/namespaces/default/pods/web-1');
    expect((await api.request('GET', '/api/v1/namespaces/default/pods/web-1')).status).toBe(404);
  });

  it('refuses requests without the token', async () => {
    api = await startFakeKubeApi();
    const response = await fetch(`${api.url}/api/v1/pods`);
    expect(response.status).toBe(401);
  });

  it('streams watch events from a resourceVersion, with headers at once, and answers 410 after compaction', async () => {
    api = await startFakeKubeApi();
    const list = await api.call('GET', '/api/v1/namespaces/default/services');
    const from = (list.metadata as { resourceVersion: string }).resourceVersion;
    await api.call('POST', '/api/v1/namespaces/default/services', { metadata: { name: 'a' }, spec: {} });
    const controller = new AbortController();
    const response = await fetch(`${api.url}/api/v1/services?watch=true&resourceVersion=${from}`, {
      headers: { authorization: `Bearer ${api.token}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    const lines = readLines(reader);
    expect(JSON.parse((await lines.next()).value as string)).toMatchObject({
      type: 'ADDED',
      object: { kind: 'Service', metadata: { name: 'a' } },
    });
    await api.call('DELETE', '/api/v1/namespaces/default/services/a');
    expect(JSON.parse((await lines.next()).value as string)).toMatchObject({ type: 'DELETED' });
    controller.abort();

    api.compact();
    const gone = await api.call('GET', '/api/v1/services');
    expect(gone.items).toEqual([]);
    const expired = await fetch(`${api.url}/api/v1/services?watch=true&resourceVersion=${from}`, {
      headers: { authorization: `Bearer ${api.token}` },
    });
    const text = await expired.text();
    expect(JSON.parse(text.trim())).toMatchObject({
      type: 'ERROR',
      object: { code: 410, reason: 'Expired' },
    });
  });

  it('serves custom resources once their CRD exists', async () => {
    api = await startFakeKubeApi();
    expect((await api.request('GET', '/apis/kuma.io/v1alpha1/meshes')).status).toBe(404);
    await api.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      metadata: { name: 'meshes.kuma.io' },
      spec: {
        group: 'kuma.io',
        scope: 'Cluster',
        names: { plural: 'meshes', kind: 'Mesh' },
        versions: [{ name: 'v1alpha1', served: true, storage: true }],
      },
    });
    await api.call('POST', '/apis/kuma.io/v1alpha1/meshes', { metadata: { name: 'default' }, spec: {} });
    const mesh = await api.call('GET', '/apis/kuma.io/v1alpha1/meshes/default');
    expect(mesh).toMatchObject({ apiVersion: 'kuma.io/v1alpha1', kind: 'Mesh' });
  });
});

async function* readLines(
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined,
): AsyncGenerator<string> {
  if (reader === undefined) return;
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  }
}
