/**
 * `zmctl install control-plane` and `zmctl install crds` as a user runs them: the built bin's
 * output parsed as YAML, checked per mode, and applied to the fake Kubernetes API as kubectl would.
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
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

interface PodSpec {
  containers: Array<{
    args: string[];
    image: string;
    readinessProbe?: { httpGet?: { scheme?: string } };
    livenessProbe?: { httpGet?: { scheme?: string } };
    volumeMounts?: Array<{ name: string; mountPath: string }>;
  }>;
  volumes?: Array<{ name: string; secret?: { secretName: string; items?: Array<{ key: string }> } }>;
}

function podSpec(list: KubeObject[], name: string): PodSpec | undefined {
  const found = list.find((object) => object.kind === 'Deployment' && object.metadata?.name === name);
  return (found?.spec as { template: { spec: PodSpec } } | undefined)?.template.spec;
}

function deployment(list: KubeObject[], name: string): { args: string[]; image: string } {
  const container = podSpec(list, name)?.containers[0];
  return { args: container?.args ?? [], image: container?.image ?? '' };
}

/** The value after `flag` in `args`. */
function flagValue(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at < 0 ? undefined : args[at + 1];
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
      'Secret/zonemesh-control-plane-tls',
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

  it('turns TLS on: a certificate Secret for the Service names, HTTPS probes, the CA for the ingress', () => {
    const { code, stdout } = zmctl(['install', 'control-plane', '--mode', 'zone', '--namespace', 'mesh']);
    expect(code).toBe(0);
    const list = objects(stdout);
    const secret = list.find((object) => object.kind === 'Secret');
    expect(secret?.metadata?.name).toBe('zonemesh-control-plane-tls');
    expect(secret?.type).toBe('kubernetes.io/tls');
    const pems = secret?.stringData as Record<string, string>;
    expect(Object.keys(pems).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    const certificate = new X509Certificate(pems['tls.crt'] ?? '');
    expect(certificate.verify(new X509Certificate(pems['ca.crt'] ?? '').publicKey)).toBe(true);
    expect(certificate.subjectAltName).toContain('DNS:zonemesh-control-plane.mesh.svc');
    expect(certificate.checkPrivateKey(createPrivateKey(pems['tls.key'] ?? ''))).toBe(true);

    const cp = podSpec(list, 'zonemesh-control-plane');
    const cpArgs = cp?.containers[0]?.args ?? [];
    expect(flagValue(cpArgs, '--tls-dir')).toBe('/var/run/zonemesh/tls');
    expect(flagValue(cpArgs, '--tls-hostnames')?.split(',')).toContain('zonemesh-control-plane.mesh.svc');
    expect(cp?.containers[0]?.readinessProbe?.httpGet?.scheme).toBe('HTTPS');
    expect(cp?.containers[0]?.livenessProbe?.httpGet?.scheme).toBe('HTTPS');
    expect(cp?.containers[0]?.volumeMounts).toContainEqual(
      expect.objectContaining({ name: 'tls', mountPath: '/var/run/zonemesh/tls' }),
    );
    expect(cp?.volumes).toContainEqual(
      expect.objectContaining({
        secret: expect.objectContaining({ secretName: 'zonemesh-control-plane-tls' }),
      }),
    );

    const ingress = podSpec(list, 'zonemesh-ingress');
    const ingressArgs = ingress?.containers[0]?.args ?? [];
    expect(flagValue(ingressArgs, '--cp-address')).toBe('https://zonemesh-control-plane.mesh.svc:5678');
    expect(flagValue(ingressArgs, '--ca-cert-file')).toBe('/var/run/zonemesh-ca/ca.crt');
    const caVolume = ingress?.volumes?.find((volume) => volume.name === 'cp-ca');
    expect(caVolume?.secret).toEqual({
      secretName: 'zonemesh-control-plane-tls',
      items: [{ key: 'ca.crt', path: 'ca.crt' }],
    });

    const role = list.find((object) => object.kind === 'Role') as { rules?: Array<{ resources: string[] }> };
    expect(role.rules?.flatMap((rule) => rule.resources)).toEqual(['configmaps', 'secrets']);
  });

  it('with --tls-secret uses that Secret and prints none (a re-run keeps the installed CA)', () => {
    const { code, stdout } = zmctl(['install', 'control-plane', '--mode', 'zone', '--tls-secret', 'my-tls']);
    expect(code).toBe(0);
    const list = objects(stdout);
    expect(list.some((object) => object.kind === 'Secret')).toBe(false);
    const secretNames = ['zonemesh-control-plane', 'zonemesh-ingress'].flatMap((name) =>
      (podSpec(list, name)?.volumes ?? []).flatMap((volume) => volume.secret?.secretName ?? []),
    );
    expect(secretNames).toEqual(['my-tls', 'my-tls']);
    expect(zmctl(['install', 'control-plane', '--mode', 'zone', '--tls-secret', 'Bad_Name']).code).toBe(2);
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
      // What the API server keeps has TLS on.
      const secret = await api.call(
        'GET',
        '/api/v1/namespaces/zonemesh-system/secrets/zonemesh-control-plane-tls',
      );
      expect(secret.type).toBe('kubernetes.io/tls');
      const applied = [
        await api.call('GET', '/apis/apps/v1/namespaces/zonemesh-system/deployments/zonemesh-control-plane'),
        await api.call('GET', '/apis/apps/v1/namespaces/zonemesh-system/deployments/zonemesh-ingress'),
      ];
      const [cp, ingress] = applied.map(
        (object) => (object.spec as { template: { spec: PodSpec } }).template.spec,
      );
      expect(cp?.containers[0]?.readinessProbe?.httpGet?.scheme).toBe('HTTPS');
      expect(flagValue(cp?.containers[0]?.args ?? [], '--tls-dir')).toBe('/var/run/zonemesh/tls');
      expect(flagValue(ingress?.containers[0]?.args ?? [], '--cp-address')).toMatch(/^https:\/\//);
      expect(flagValue(ingress?.containers[0]?.args ?? [], '--ca-cert-file')).toBe(
        '/var/run/zonemesh-ca/ca.crt',
      );
    } finally {
      await api.close();
    }
  });
});
