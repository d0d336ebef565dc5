/**
 * The admission webhooks through the fake API server, as kubectl meets them: the API server
 * calls the control plane's HTTPS webhooks (self-signed CA written into the webhook
 * configurations by the control plane itself), applies the sidecar patch to Pods, and refuses
 * kuma.io objects that break Kuma's rules (same field errors as the REST API) or that this
 * control plane does not own (Kuma's wording).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeDocuments, toKubernetes } from '@zonemesh/api';
import { createMemoryStore, type ResourceStore } from '@zonemesh/store';
import { type FakeKubeApi, freePort, type KubeObject, startFakeKubeApi } from '@zonemesh/testkit';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { crdFiles } from './crd-files.js';
import { kubernetesPlural } from './custom-resource-definitions.js';
import { startKubernetesEnvironment } from './kubernetes-environment.js';
import { clientFor, eventually, namespace, pod, service, testLog } from './kube-test-objects.test-suite.js';

const corpusDir = fileURLToPath(new URL('../../../../shared/conformance/kuma/', import.meta.url));
const corpusPresent = existsSync(corpusDir);

interface Cluster {
  readonly api: FakeKubeApi;
  readonly store: ResourceStore;
  readonly stop: () => Promise<void>;
}

const running: Cluster[] = [];
afterEach(async () => {
  for (const cluster of running.splice(0)) await cluster.stop();
});

async function cluster(mode: 'global' | 'zone', federated: boolean): Promise<Cluster> {
  const port = await freePort();
  const api = await startFakeKubeApi({ resolveService: () => `https://127.0.0.1:${port}` });
  for (const file of crdFiles())
    await api.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', parse(file.text));
  const store = createMemoryStore();
  const abort = new AbortController();
  const environment = await startKubernetesEnvironment({
    client: clientFor(api),
    store,
    mode,
    zone: mode === 'zone' ? 'zone-k' : undefined,
    federated,
    namespace: 'zonemesh-system',
    importPolicies: false,
    webhook: { host: '127.0.0.1', port, service: 'zonemesh-control-plane' },
    sidecar: {
      image: 'zonemesh/zonemesh:test',
      cpAddress: 'http://zonemesh-control-plane.zonemesh-system.svc:5678',
    },
    log: testLog,
    signal: abort.signal,
  });
  await eventually(async () => {
    const found = await api.request(
      'GET',
      '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/zonemesh-validator',
    );
    expect(found.status).toBe(200);
  });
  const created: Cluster = {
    api,
    store,
    stop: async () => {
      abort.abort();
      await environment.done;
      await store.close();
      await api.close();
    },
  };
  running.push(created);
  return created;
}

function kumaPath(kind: string): string {
  return `/apis/kuma.io/v1alpha1/${kubernetesPlural(kind as 'Mesh')}`;
}

describe('admission webhooks', () => {
  it('registers its configurations with its own CA, for validation everywhere and injection in zones', async () => {
    const { api } = await cluster('zone', false);
    const mutating = await api.call(
      'GET',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/zonemesh-sidecar-injector',
    );
    const hooks = mutating.webhooks as Array<{
      clientConfig: { caBundle: string; service: { name: string } };
    }>;
    expect(Buffer.from(hooks[0]?.clientConfig.caBundle ?? '', 'base64').toString()).toContain(
      'BEGIN CERTIFICATE',
    );
    expect(hooks[0]?.clientConfig.service.name).toBe('zonemesh-control-plane');

    const global = await cluster('global', false);
    const missing = await global.api.request(
      'GET',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/zonemesh-sidecar-injector',
    );
    expect(missing.status).toBe(404);
  });

  it('injects the sidecar into pods of enabled namespaces, with a Dataplane template of the services selecting them', async () => {
    const { api } = await cluster('zone', false);
    await api.call('POST', '/api/v1/namespaces', namespace('shop'));
    await api.call('POST', '/api/v1/namespaces', namespace('plain', false));
    await api.call(
      'POST',
      '/api/v1/namespaces/shop/services',
      service('web', 'shop', { app: 'web' }, [{ port: 80, targetPort: 8080, appProtocol: 'http' }]),
    );
    // The workload controller's caches feed the template: wait for the Service to be seen.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const injected = await api.call(
      'POST',
      '/api/v1/namespaces/shop/pods',
      pod({
        name: 'web-1',
        namespace: 'shop',
        labels: { app: 'web' },
        ip: '10.0.0.1',
        annotations: { 'kuma.io/mesh': 'payments' },
      }),
    );
    const spec = injected.spec as {
      containers: Array<{ name: string; image: string; args: string[]; env: Array<{ name: string }> }>;
      volumes: Array<{ name: string; downwardAPI: unknown }>;
    };
    expect(spec.containers.map((container) => container.name)).toEqual(['app', 'zonemesh-dp']);
    const sidecar = spec.containers[1];
    expect(sidecar?.image).toBe('zonemesh/zonemesh:test');
    expect(sidecar?.args).toEqual([
      'run',
      '--cp-address',
      'http://zonemesh-control-plane.zonemesh-system.svc:5678',
      '--dataplane-file',
      '/var/run/zonemesh/dataplane.yaml',
      '--dataplane-var',
      'name=$(POD_NAME).$(POD_NAMESPACE)',
      '--dataplane-var',
      'address=$(POD_IP)',
      '--admin-address',
      '0.0.0.0:9901',
      '--dataplane-token-file',
      '/var/run/secrets/kubernetes.io/serviceaccount/token',
    ]);
    expect(sidecar?.env.map((entry) => entry.name)).toEqual(['POD_NAME', 'POD_NAMESPACE', 'POD_IP']);
    expect(spec.volumes.map((volume) => volume.name)).toEqual(['zonemesh-dataplane']);
    const annotations = injected.metadata?.annotations ?? {};
    expect(annotations['kuma.io/sidecar-injected']).toBe('true');
    expect(annotations['kuma.io/mesh']).toBe('payments');
    expect(parse(annotations['zonemesh.io/dataplane'] ?? '')).toEqual({
      type: 'Dataplane',
      mesh: 'payments',
      name: '{{ name }}',
      networking: {
        address: '{{ address }}',
        inbound: [
          {
            port: 8080,
            tags: {
              app: 'web',
              'kuma.io/service': 'web_shop_svc_80',
              'kuma.io/zone': 'zone-k',
              'kuma.io/protocol': 'http',
              'k8s.kuma.io/namespace': 'shop',
              'k8s.kuma.io/service-name': 'web',
              'k8s.kuma.io/service-port': '80',
            },
          },
        ],
      },
    });

    const plain = await api.call(
      'POST',
      '/api/v1/namespaces/plain/pods',
      pod({ name: 'p', namespace: 'plain', labels: {}, ip: '10.0.0.2' }),
    );
    expect((plain.spec as { containers: unknown[] }).containers).toHaveLength(1);
    const optedOut = await api.call(
      'POST',
      '/api/v1/namespaces/shop/pods',
      pod({
        name: 'batch',
        namespace: 'shop',
        labels: { 'kuma.io/sidecar-injection': 'disabled' },
        ip: '10.0.0.3',
      }),
    );
    expect((optedOut.spec as { containers: unknown[] }).containers).toHaveLength(1);
  });

  it('refuses policies on a federated zone with Kuma’s wording, and zone kinds on global', async () => {
    const zone = await cluster('zone', true);
    const policy = {
      apiVersion: 'kuma.io/v1alpha1',
      kind: 'TrafficPermission',
      mesh: 'default',
      metadata: { name: 'allow-all' },
      spec: {
        sources: [{ match: { 'kuma.io/service': '*' } }],
        destinations: [{ match: { 'kuma.io/service': '*' } }],
      },
    };
    const refused = await zone.api.request('POST', kumaPath('TrafficPermission'), policy);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      'admission webhook "validator.zonemesh.io" denied the request: Operation not allowed. Kuma resources like TrafficPermission can be updated or deleted only from the GLOBAL control plane and not from a ZONE control plane.',
    );

    const standalone = await cluster('zone', false);
    expect((await standalone.api.request('POST', kumaPath('TrafficPermission'), policy)).status).toBe(201);

    const global = await cluster('global', false);
    expect((await global.api.request('POST', kumaPath('TrafficPermission'), policy)).status).toBe(201);
    const dataplane = {
      apiVersion: 'kuma.io/v1alpha1',
      kind: 'Dataplane',
      mesh: 'default',
      metadata: { name: 'web-1' },
      spec: {
        networking: { address: '10.0.0.1', inbound: [{ port: 80, tags: { 'kuma.io/service': 'web' } }] },
      },
    };
    const onGlobal = await global.api.request('POST', kumaPath('Dataplane'), dataplane);
    expect(onGlobal.status).toBe(403);
    expect(String(onGlobal.body.message)).toContain(
      'Kuma resources like Dataplane can be updated or deleted only from the ZONE control plane and not from a GLOBAL control plane.',
    );
  });

  it.skipIf(!corpusPresent)(
    'answers every invalid resource of the Kuma corpus with the REST API’s field errors, and takes every valid one',
    async () => {
      const { api } = await cluster('zone', false);
      let invalid = 0;
      let valid = 0;
      type Outcome = {
        file: string;
        index: number;
        status: number;
        causes: Array<{ field: string; message: string }>;
      };
      const actual: Outcome[] = [];
      const expected: Outcome[] = [];
      for (const file of readdirSync(corpusDir)
        .filter((name) => /\.ya?ml$/.test(name))
        .sort()) {
        const text = readFileSync(join(corpusDir, file), 'utf8');
        const raw = (
          text.split(/^---\s*$/m).map((part) => parse(part) as unknown) as Array<Record<
            string,
            unknown
          > | null>
        ).filter((doc) => doc !== null && typeof doc === 'object');
        const decoded = decodeDocuments(text);
        for (const document of decoded) {
          const source = raw[document.index];
          if (source === undefined || source === null || typeof document.type !== 'string') continue;
          const kind = document.type;
          if (
            ![
              'Mesh',
              'Dataplane',
              'ZoneIngress',
              'Zone',
              'TrafficPermission',
              'HealthCheck',
              'TrafficRoute',
              'MeshTrafficPermission',
              'MeshHealthCheck',
            ].includes(kind)
          )
            continue;
          const object = kubernetesForm(
            source,
            kind,
            document.resource === undefined ? undefined : toKubernetes(document.resource),
          );
          const name = `${file.slice(0, 3)}-${document.index}`;
          const answer = await api.request('POST', kumaPath(kind), {
            ...object,
            metadata: { ...(object.metadata as object), name },
          });
          const causes =
            (answer.body.details as { causes?: Array<{ field: string; message: string }> } | undefined)
              ?.causes ?? [];
          actual.push({
            file,
            index: document.index,
            status: answer.status,
            causes: causes.map(({ field, message }) => ({ field, message })),
          });
          expected.push({
            file,
            index: document.index,
            status: document.errors.length === 0 ? 201 : 422,
            causes: document.errors.map(({ field, message }) => ({ field, message })),
          });
          if (document.errors.length === 0) valid++;
          else invalid++;
        }
      }
      expect(actual).toEqual(expected);
      expect(invalid).toBeGreaterThan(5);
      expect(valid).toBeGreaterThan(40);
    },
  );
});

/**
 * A corpus document in Kubernetes form: valid ones through the api's codec; invalid ones by
 * moving the Universal spec fields under `spec` as they are (so the webhook sees the same mistakes).
 */
function kubernetesForm(
  source: Record<string, unknown>,
  kind: string,
  converted: Record<string, unknown> | undefined,
): KubeObject {
  if (converted !== undefined) return converted as KubeObject;
  if (source.apiVersion !== undefined) return source as KubeObject;
  const {
    type: _type,
    name: _name,
    mesh,
    creationTime: _c,
    modificationTime: _m,
    labels,
    spec,
    ...inline
  } = source;
  return {
    apiVersion: 'kuma.io/v1alpha1',
    kind,
    ...(mesh === undefined ? {} : { mesh }),
    metadata: labels === undefined ? {} : { labels },
    spec: spec ?? inline,
  } as KubeObject;
}
