/**
 * `zmctl install control-plane` and `zmctl install crds` as a user runs them: the built bin's
 * output parsed as YAML, checked per mode, and applied to the fake Kubernetes API as kubectl would.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type KubeObject, startFakeKubeApi } from '@zonemesh/testkit';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'zmctl.js');
const crdFolder = fileURLToPath(new URL('../../../../deploy/crds/', import.meta.url));

function zmctl(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function objects(text: string): KubeObject[] {
  return parseAllDocuments(text).map((document) => document.toJS() as KubeObject);
}

function summary(list: KubeObject[]): string[] {
  return list
    .filter((object) => object.kind !== 'CustomResourceDefinition')
    .map((object) => `${object.kind}/${object.metadata?.name}`);
}

function deployment(list: KubeObject[], name: string): { args: string[]; image: string } {
  const found = list.find((object) => object.kind === 'Deployment' && object.metadata?.name === name);
  const spec = found?.spec as
    | { template: { spec: { containers: Array<{ args: string[]; image: string }> } } }
    | undefined;
  const container = spec?.template.spec.containers[0];
  return { args: container?.args ?? [], image: container?.image ?? '' };
}

/** The collection path kubectl would post an object to. */
function collectionOf(object: KubeObject): string {
  const [group, version] = (object.apiVersion ?? '').includes('/')
    ? (object.apiVersion ?? '').split('/')
    : ['', object.apiVersion];
  const plural = `${(object.kind ?? '').toLowerCase()}${(object.kind ?? '').endsWith('s') ? 'es' : 's'}`;
  const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const namespace = object.metadata?.namespace;
  return namespace === undefined ? `${base}/${plural}` : `${base}/namespaces/${namespace}/${plural}`;
}

describe('zmctl install', () => {
  it('prints a zone with its ingress and a NATS leaf node connected to global', () => {
    const { code, stdout } = zmctl([
      'install',
      'control-plane',
      '--mode',
      'zone',
      '--zone',
      'zone-1',
      '--nats-leaf-remote',
      'nats-leaf://global.example.com:7422',
      '--image',
      'registry.example.com/zonemesh:1.2.3',
    ]);
    expect(code).toBe(0);
    const list = objects(stdout);
    expect(summary(list)).toEqual([
      'Namespace/zonemesh-system',
      'ServiceAccount/zonemesh-control-plane',
      'ClusterRole/zonemesh-control-plane',
      'ClusterRoleBinding/zonemesh-control-plane',
      'Role/zonemesh-control-plane',
      'RoleBinding/zonemesh-control-plane',
      'ConfigMap/zonemesh-nats',
      'Deployment/zonemesh-nats',
      'Service/zonemesh-nats',
      'Deployment/zonemesh-control-plane',
      'Service/zonemesh-control-plane',
      'ConfigMap/zonemesh-ingress',
      'Deployment/zonemesh-ingress',
      'Service/zonemesh-ingress',
    ]);
    const cp = deployment(list, 'zonemesh-control-plane');
    expect(cp.image).toBe('registry.example.com/zonemesh:1.2.3');
    expect(cp.args.join(' ')).toContain(
      '--mode zone --zone zone-1 --environment kubernetes --store kubernetes',
    );
    expect(cp.args.join(' ')).toContain(
      '--nats-url nats://zonemesh-nats.zonemesh-system.svc:4222 --nats-js-domain hub',
    );
    const natsConfig = list.find(
      (object) => object.metadata?.name === 'zonemesh-nats' && object.kind === 'ConfigMap',
    )?.data as Record<string, string>;
    expect(natsConfig['nats.conf']).toContain('domain: zone-1');
    expect(natsConfig['nats.conf']).toContain('remotes: [ { url: "nats-leaf://global.example.com:7422" } ]');
    const ingressService = list.find(
      (object) => object.kind === 'Service' && object.metadata?.name === 'zonemesh-ingress',
    );
    expect(ingressService?.spec).toMatchObject({ type: 'LoadBalancer' });
    expect(ingressService?.metadata?.labels?.['app.kubernetes.io/component']).toBe('zone-ingress');
  });

  it('prints a global with the NATS hub, and no ingress', () => {
    const { code, stdout } = zmctl(['install', 'control-plane', '--mode', 'global', '--without-crds']);
    expect(code).toBe(0);
    const list = objects(stdout);
    expect(list.some((object) => object.kind === 'CustomResourceDefinition')).toBe(false);
    expect(summary(list)).toContain('Deployment/zonemesh-nats');
    expect(summary(list)).not.toContain('Deployment/zonemesh-ingress');
    const nats = list.find(
      (object) => object.kind === 'ConfigMap' && object.metadata?.name === 'zonemesh-nats',
    );
    expect((nats?.data as Record<string, string> | undefined)?.['nats.conf']).toContain('domain: hub');
    expect(deployment(list, 'zonemesh-control-plane').args.join(' ')).toContain('--mode global');
  });

  it('refuses contradictory or wrong flags with exit 2, naming the flag', () => {
    expect(zmctl(['install', 'control-plane', '--mode', 'moon']).stderr).toContain(
      '--mode must be global or zone',
    );
    const federatedWithoutZone = zmctl([
      'install',
      'control-plane',
      '--mode',
      'zone',
      '--nats-url',
      'nats://hub:4222',
    ]);
    expect(federatedWithoutZone.code).toBe(2);
    expect(federatedWithoutZone.stderr).toContain('--zone is required for a federated zone');
    expect(
      zmctl(['install', 'control-plane', '--mode', 'zone', '--ingress-service-type', 'ClusterIP']).code,
    ).toBe(2);
  });

  it('prints the same CRDs as deploy/crds', () => {
    const { code, stdout } = zmctl(['install', 'crds']);
    expect(code).toBe(0);
    const printed = objects(stdout);
    const onDisk = readdirSync(crdFolder)
      .filter((name) => name.endsWith('.yaml'))
      .map((name) => objects(readFileSync(join(crdFolder, name), 'utf8'))[0]);
    const byName = (list: Array<KubeObject | undefined>) =>
      Object.fromEntries(list.map((object) => [object?.metadata?.name, object]));
    expect(byName(printed)).toEqual(byName(onDisk));
  });

  it('prints manifests the API server takes, as kubectl apply would', async () => {
    const api = await startFakeKubeApi();
    try {
      const { stdout } = zmctl([
        'install',
        'control-plane',
        '--mode',
        'zone',
        '--zone',
        'zone-1',
        '--nats-url',
        'nats://hub:4222',
      ]);
      for (const object of objects(stdout)) {
        const answer = await api.request('POST', collectionOf(object), object);
        expect({ object: `${object.kind}/${object.metadata?.name}`, status: answer.status }).toEqual({
          object: `${object.kind}/${object.metadata?.name}`,
          status: 201,
        });
      }
      expect((await api.request('GET', '/apis/kuma.io/v1alpha1/trafficpermissions')).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});
