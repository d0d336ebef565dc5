/**
 * Hybrid federation: a Kubernetes zone (`zone-k`, on the fake API server) and a VM zone
 * (`zone-vm`) under one global control plane over a real nats-server, with real proxies as
 * processes. On the Kubernetes side the test plays the kubelet: it creates the Pods through the
 * API server (so the zone's injector adds the sidecar), then runs `zonemesh-dp` with the injected
 * container's own arguments and the Dataplane file from the injected annotation (what the
 * downward API volume mounts), on the Pod's IP (127.0.0.2; the app binds 127.0.0.1). The zone
 * ingress runs from the file its init container would write, and is advertised at the address its
 * Service annotations give. Then:
 * - `frontend` on a VM calls `backend_shop_svc_80` in Kubernetes through zone-k's ingress, and
 * - the backend Pod calls `vm-api` on a VM back through zone-vm's ingress (its outbound from the
 *   `zonemesh.io/outbounds` annotation).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type FakeKubeApi,
  freePort,
  type KubeObject,
  type ManagedProcess,
  type NatsServer,
  startFakeKubeApi,
  startNats,
  startProcess,
} from '@zonemesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from './control-plane-process.ts';
import { put } from './gui-federation.ts';
import {
  call,
  metricValue,
  type RunningProxy,
  startIngress,
  startSidecar,
  startTcpApp,
  type TcpApp,
  waitUntil,
} from './mesh-proxies.ts';

const bin = (name: string): string => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
const podIp = '127.0.0.2';

/** Starts a control plane with nothing of this machine's environment but PATH (and `env`). */
const startCp = (name: string, flags: string[], env: Record<string, string>): Promise<ControlPlane> =>
  startControlPlane(name, flags, { PATH: process.env.PATH ?? '', ...env });

const permission = (name: string, from: string, to: string) =>
  [
    'type: TrafficPermission',
    'mesh: default',
    `name: ${name}`,
    'sources:',
    '  - match:',
    `      kuma.io/service: ${from}`,
    'destinations:',
    '  - match:',
    `      kuma.io/service: ${to}`,
    '',
  ].join('\n');

describe('hybrid federation: a Kubernetes zone and a VM zone', () => {
  let nats: NatsServer;
  let api: FakeKubeApi;
  let folder: string;
  let global: ControlPlane;
  let zoneK: ControlPlane;
  let zoneVm: ControlPlane;
  const processes: ManagedProcess[] = [];
  const apps: TcpApp[] = [];
  let frontend: RunningProxy;
  let frontendToBackend = 0;
  let backendToVm = 0;
  let ingressK: { admin: string; port: number };

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'zonemesh-hybrid-'));
    nats = await startNats();
    const webhookPort = await freePort();
    api = await startFakeKubeApi({
      namespaces: ['default', 'kube-system', 'zonemesh-system'],
      resolveService: () => `https://127.0.0.1:${webhookPort}`,
      // ServiceAccount tokens the proxies present; zone-k reviews them (TokenReview).
      users: {
        'sa-shop-default': 'system:serviceaccount:shop:default',
        'sa-ingress': 'system:serviceaccount:zonemesh-system:zonemesh-ingress',
      },
    });
    writeFileSync(join(folder, 'sa-shop-default.token'), 'sa-shop-default');
    writeFileSync(join(folder, 'sa-ingress.token'), 'sa-ingress');
    const kubeconfig = join(folder, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeconfig());
    global = await startCp('global', ['--mode', 'global', '--nats-url', nats.url], {});
    zoneK = await startCp(
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
      { KUBECONFIG: kubeconfig, HOME: folder },
    );
    zoneVm = await startCp('zone-vm', ['--mode', 'zone', '--zone', 'zone-vm', '--nats-url', nats.url], {});

    await put(
      global.base,
      '/meshes/default',
      'type: Mesh\nname: default\nmtls:\n  enabledBackend: ca-1\n  backends:\n    - name: ca-1\n      type: builtin\n',
    );
    await put(
      global.base,
      '/meshes/default/traffic-permissions/frontend-to-backend',
      permission('frontend-to-backend', 'frontend', 'backend_shop_svc_80'),
    );
    await put(
      global.base,
      '/meshes/default/traffic-permissions/backend-to-vm-api',
      permission('backend-to-vm-api', 'backend_shop_svc_80', 'vm-api'),
    );
    await waitUntil(
      'zone-k has the mesh',
      async () => (await fetch(`${zoneK.base}/meshes/default`)).status === 200,
      15_000,
    );
    await waitUntil(
      'zone-vm has the mesh',
      async () => (await fetch(`${zoneVm.base}/meshes/default`)).status === 200,
      15_000,
    );
    await waitUntil(
      'zone-k injector registered',
      async () =>
        (
          await api.request(
            'GET',
            '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/zonemesh-sidecar-injector',
          )
        ).status === 200,
      15_000,
    );

    // The VM zone: its ingress, the vm-api service and the frontend that calls into Kubernetes.
    frontendToBackend = await freePort();
    backendToVm = await freePort();
    const vmApi = await startTcpApp('vm-api');
    apps.push(vmApi);
    const vmProxies = await Promise.all([
      startIngress('ingress-zone-vm', zoneVm, folder),
      startSidecar({ name: 'vm-api-1', service: 'vm-api', appPort: vmApi.port }, zoneVm, folder),
      startSidecar(
        {
          name: 'frontend-1',
          service: 'frontend',
          outbounds: [{ port: frontendToBackend, service: 'backend_shop_svc_80' }],
        },
        zoneVm,
        folder,
      ),
    ]);
    processes.push(...vmProxies.map((proxy) => proxy.process));
    frontend = vmProxies[2] as RunningProxy;

    // The Kubernetes zone: its ingress behind an annotated Service, and the backend Pod.
    ingressK = await startKubernetesIngress();
    const backendApp = await startTcpApp('backend');
    apps.push(backendApp);
    await api.call('POST', '/api/v1/namespaces', {
      metadata: { name: 'shop', labels: { 'kuma.io/sidecar-injection': 'enabled' } },
    });
    await api.call('POST', '/api/v1/namespaces/shop/services', {
      metadata: { name: 'backend' },
      spec: { selector: { app: 'backend' }, ports: [{ port: 80, targetPort: backendApp.port }] },
    });
    // The injector reads Services from its informer cache: give it a moment to see this one.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const created = await api.call('POST', '/api/v1/namespaces/shop/pods', {
      metadata: {
        name: 'backend-1',
        labels: { app: 'backend', version: 'v1' },
        annotations: { 'zonemesh.io/outbounds': `vm-api=${backendToVm}` },
      },
      spec: {
        containers: [{ name: 'app', image: 'backend:1', ports: [{ containerPort: backendApp.port }] }],
      },
      status: { phase: 'Running', podIP: podIp, conditions: [{ type: 'Ready', status: 'True' }] },
    });
    processes.push(await runInjectedSidecar(created));
  });

  afterAll(async () => {
    await Promise.all(processes.map((child) => child.stop('SIGTERM')));
    await Promise.all(apps.map((app) => app.stop()));
    for (const cp of [zoneK, zoneVm, global]) await cp?.stop();
    await api?.close();
    await nats?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  /** The zone ingress as its Deployment runs it: Pod and annotated Service in the API, the process from the init container's file. */
  async function startKubernetesIngress(): Promise<{ admin: string; port: number }> {
    const port = await freePort();
    const labels = {
      'app.kubernetes.io/name': 'zonemesh-ingress',
      'app.kubernetes.io/component': 'zone-ingress',
    };
    await api.call('POST', '/api/v1/namespaces/zonemesh-system/services', {
      metadata: {
        name: 'zonemesh-ingress',
        labels,
        annotations: {
          'kuma.io/ingress-public-address': '127.0.0.1',
          'kuma.io/ingress-public-port': String(port),
        },
      },
      spec: {
        type: 'NodePort',
        selector: { 'app.kubernetes.io/name': 'zonemesh-ingress' },
        ports: [{ port, targetPort: port, nodePort: 30001 }],
      },
    });
    await api.call('POST', '/api/v1/namespaces/zonemesh-system/pods', {
      metadata: { name: 'zonemesh-ingress-0', labels },
      spec: { containers: [{ name: 'ingress', image: 'zonemesh/zonemesh:test' }] },
      status: { phase: 'Running', podIP: '127.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    const file = join(folder, 'ingress-k.yaml');
    writeFileSync(
      file,
      `type: ZoneIngress\nname: zonemesh-ingress-0.zonemesh-system\nnetworking:\n  address: 127.0.0.1\n  port: ${port}\n`,
    );
    const adminPort = await freePort();
    const child = await startProcess({
      command: bin('zonemesh-ingress'),
      args: [
        'run',
        '--cp-address',
        zoneK.dpServer,
        '--token-file',
        join(folder, 'sa-ingress.token'),
        '--ingress-file',
        file,
        '--admin-address',
        `127.0.0.1:${adminPort}`,
      ],
      env: { PATH: process.env.PATH ?? '' },
      name: 'ingress-zone-k',
      readyPort: adminPort,
      readyTimeoutMs: 30_000,
    });
    processes.push(child);
    const admin = `http://127.0.0.1:${adminPort}`;
    await waitUntil(
      'ingress-zone-k ready',
      async () => (await fetch(`${admin}/ready`)).status === 200,
      30_000,
    );
    return { admin, port };
  }

  /** Runs the injected `zonemesh-dp` container as the kubelet would: its args, its env, its mounted file. */
  async function runInjectedSidecar(pod: KubeObject): Promise<ManagedProcess> {
    const spec = pod.spec as { containers: Array<{ name: string; args: string[] }> };
    const sidecar = spec.containers.find((container) => container.name === 'zonemesh-dp');
    if (sidecar === undefined) throw new Error('the pod was not injected');
    const file = join(folder, 'backend-1.dataplane.yaml');
    writeFileSync(file, pod.metadata?.annotations?.['zonemesh.io/dataplane'] ?? '');
    const adminPort = await freePort();
    const env: Record<string, string> = { POD_NAME: 'backend-1', POD_NAMESPACE: 'shop', POD_IP: podIp };
    const args = sidecar.args.map((arg, i, all) => {
      const previous = all[i - 1];
      if (previous === '--cp-address') return zoneK.dpServer; // the Service DNS name, outside a cluster
      if (previous === '--dataplane-file') return file;
      if (previous === '--dataplane-token-file') return join(folder, 'sa-shop-default.token');
      if (previous === '--admin-address') return `127.0.0.1:${adminPort}`;
      return arg.replace(/\$\((\w+)\)/g, (_, name: string) => env[name] ?? '');
    });
    const child = await startProcess({
      command: bin('zonemesh-dp'),
      args,
      env: { PATH: process.env.PATH ?? '' },
      name: 'backend-1.shop',
      readyPort: adminPort,
      readyTimeoutMs: 30_000,
    });
    await waitUntil(
      'backend-1 ready',
      async () => (await fetch(`http://127.0.0.1:${adminPort}/ready`)).status === 200,
      30_000,
    );
    return child;
  }

  it('advertises the Kubernetes zone ingress at the address of its Service', async () => {
    await waitUntil(
      'zone-k ingress advertised',
      async () => {
        const response = await fetch(`${zoneK.base}/zoneingresses/zonemesh-ingress-0.zonemesh-system`);
        const body = (await response.json()) as {
          networking?: { advertisedAddress?: string; advertisedPort?: number };
        };
        return (
          body.networking?.advertisedAddress === '127.0.0.1' &&
          body.networking.advertisedPort === ingressK.port
        );
      },
      15_000,
    );
    // Other zones learn it, with its advertised address, through global.
    const advertisedInVmZone = async (): Promise<boolean> => {
      const seen = (await (await fetch(`${zoneVm.base}/zoneingresses`)).json()) as {
        items: Array<{ networking?: { advertisedPort?: number } }>;
      };
      return seen.items.some((item) => item.networking?.advertisedPort === ingressK.port);
    };
    await waitUntil('zone-vm sees the zone-k ingress', advertisedInVmZone, 15_000);
    expect(await advertisedInVmZone()).toBe(true);
  });

  it('a VM calls a Kubernetes service through the Kubernetes zone ingress', async () => {
    await waitUntil(
      'frontend -> backend_shop_svc_80',
      async () => (await call(frontendToBackend)) === 'backend',
      45_000,
    );
    expect(
      await metricValue(ingressK.admin, 'zonemesh_proxy_connections_total', { direction: 'ingress' }),
    ).toBeGreaterThan(0);
    expect(frontend.process.isRunning()).toBe(true);
  });

  it('and back: the Kubernetes Pod calls a VM service through the VM zone ingress', async () => {
    await waitUntil('backend -> vm-api', async () => (await call(backendToVm)) === 'vm-api', 45_000);
    expect(await call(backendToVm)).toBe('vm-api');
  });
});
