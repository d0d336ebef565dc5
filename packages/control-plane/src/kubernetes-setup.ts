/**
 * The control plane on Kubernetes (`--environment kubernetes`, and `--store kubernetes`): finds
 * the API server the standard way (in-cluster service account, else `KUBECONFIG`, else
 * `~/.kube/config`) and runs the Kubernetes controllers of this mode (see @zonemesh/kubernetes).
 * With TLS on, injected sidecars reach the dataplane server over `https://` and, with
 * `--tls-dir`, verify it with that directory's `ca.crt` (given to them by the injector).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  findKubeConfig,
  createKubeClient,
  startKubernetesEnvironment,
  type KubeClient,
} from '@zonemesh/kubernetes';
import { MeshError } from '@zonemesh/api';
import type { ResourceStore } from '@zonemesh/store';
import { isFederatedZone } from './config.js';
import type { ControlPlaneRuntime } from './control-plane-runtime.js';
import { TlsDirFiles } from './tls/server-tls.js';

/**
 * The API server client when the environment or the store is Kubernetes, else undefined. Exits
 * the process (status 1, one fatal log line) when no API server is configured: nothing can
 * work without one, and the reason is an operator's to fix.
 */
export function connectKubernetes(
  runtime: ControlPlaneRuntime,
  env: Readonly<Record<string, string | undefined>>,
): KubeClient | undefined {
  const { config } = runtime;
  if (config.environment !== 'kubernetes' && config.store !== 'kubernetes') return undefined;
  const log = runtime.log.child({ component: 'kubernetes' });
  try {
    const loaded = findKubeConfig({ env });
    log.info({ server: loaded.server, source: loaded.source }, 'kubernetes api server found');
    return createKubeClient(loaded.kubeConfig);
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'cannot find the kubernetes api server');
    process.exit(1);
  }
}

/** Adds the Kubernetes controllers (`--environment kubernetes`). */
export function setupKubernetes(
  runtime: ControlPlaneRuntime,
  store: ResourceStore,
  client: KubeClient | undefined,
): void {
  const { config } = runtime;
  if (config.environment !== 'kubernetes' || client === undefined) return;
  runtime.lifecycle.add({
    name: 'kubernetes',
    start: async (signal) => {
      const namespace = config.kubernetesNamespace;
      const service = config.kubernetesService;
      const tls = config.tlsCertFile !== undefined || config.tlsDir !== undefined;
      const caPem = await sidecarCa(config);
      const environment = await startKubernetesEnvironment({
        client,
        store,
        mode: config.mode,
        zone: config.zone,
        federated: isFederatedZone(config),
        namespace,
        importPolicies: config.store !== 'kubernetes' && !isFederatedZone(config),
        webhook: {
          host: config.webhookAddress.host,
          port: config.webhookAddress.port,
          service,
          register: config.webhookRegister,
          ...(config.webhookCertFile === undefined ? {} : { certFile: config.webhookCertFile }),
          ...(config.webhookKeyFile === undefined ? {} : { keyFile: config.webhookKeyFile }),
          ...(config.webhookCaFile === undefined ? {} : { caFile: config.webhookCaFile }),
        },
        sidecar: {
          image: config.sidecarImage,
          cpAddress:
            config.sidecarCpAddress ??
            `${tls ? 'https' : 'http'}://${service}.${namespace}.svc:${config.dpServerAddress.port}`,
          ...(caPem === undefined ? {} : { caPem }),
        },
        log: runtime.log,
        signal,
      });
      return { done: environment.done };
    },
  });
}

/**
 * The CA sidecars verify the dataplane server with: `--tls-dir`'s `ca.crt` (written or found by
 * the TLS setup before any component starts). Undefined with `--tls-cert-file` (the operator's
 * certificate, verified with the system roots) or without TLS.
 */
async function sidecarCa(config: ControlPlaneRuntime['config']): Promise<string | undefined> {
  if (config.tlsCertFile !== undefined || config.tlsDir === undefined) return undefined;
  const file = join(config.tlsDir, TlsDirFiles.ca);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new MeshError('InvalidInput', `cannot read ${file}`, {
      cause: err,
      causes: [{ field: '--tls-dir', message: (err as Error).message }],
    });
  }
}
