/**
 * Against a real API server: k3s in a container (testcontainers' `@testcontainers/k3s`), where a
 * container runtime answers. It checks what the fake cannot: the real API server takes the
 * generated CRDs (structural schemas) and the objects the store writes under them, and the
 * store's informers and watches work against it.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { containerRuntimeAnswers } from '@zonemesh/testkit';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { crdFiles } from './crd-files.js';
import { createKubeClient } from './kube-client.js';
import { eventually } from './kube-test-objects.test-suite.js';
import { createKubernetesStore } from './kubernetes-store.js';

const runtime = await containerRuntimeAnswers();

interface K3sModule {
  K3sContainer: new (
    image: string,
  ) => {
    start(): Promise<{ getKubeConfig(): string; stop(): Promise<unknown> }>;
  };
}

// Skipped where no Docker-compatible runtime answers (this machine has none): k3s needs one.
describe.skipIf(!runtime)('on k3s (needs a container runtime)', () => {
  it('takes the CRDs and stores, reads and watches resources through them', {
    timeout: 300_000,
  }, async () => {
    const moduleName = '@testcontainers/k3s';
    const k3s = (await import(moduleName).catch((err: unknown) => {
      throw new Error(
        'a container runtime answers but @testcontainers/k3s is not installed: pnpm add -D @testcontainers/k3s',
        {
          cause: err,
        },
      );
    })) as K3sModule;
    const container = await new k3s.K3sContainer('rancher/k3s:v1.31.2-k3s1').start();
    try {
      const config = new KubeConfig();
      config.loadFromString(container.getKubeConfig());
      const client = createKubeClient(config);
      for (const file of crdFiles()) {
        await client.create('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', parse(file.text));
      }
      const store = createKubernetesStore({ client, namespace: 'default' });
      try {
        await eventually(
          async () =>
            expect((await client.list('/apis/kuma.io/v1alpha1/trafficpermissions')).items).toEqual([]),
          60_000,
        );
        const spec = {
          sources: [{ match: { 'kuma.io/service': 'web' } }],
          destinations: [{ match: { 'kuma.io/service': 'api' } }],
        };
        await store.create({
          type: 'TrafficPermission',
          meta: { name: 'web-to-api', mesh: 'default' },
          spec,
        });
        expect(
          (await store.get({ type: 'TrafficPermission', mesh: 'default', name: 'web-to-api' }))?.spec,
        ).toEqual(spec);
        expect(await store.revision()).toBe(1);
      } finally {
        await store.close();
      }
    } finally {
      await container.stop();
    }
  });
});
