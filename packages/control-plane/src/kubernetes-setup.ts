/**
 * The control plane on Kubernetes (`--environment kubernetes`, and `--store kubernetes`): finds
 * the API server the standard way (in-cluster service account, else `KUBECONFIG`, else
 * `~/.kube/config`) and runs the Kubernetes controllers of this mode (see @zonemesh/kubernetes).
 */
import {
  findKubeConfig,
  createKubeClient,
  startKubernetesEnvironment,
  type KubeClient,
} from '@zonemesh/kubernetes';
import type { ResourceStore } from '@zonemesh/store';
import { isFederatedZone } from './config.js';
import type { ControlPlaneRuntime } from './control-plane-runtime.js';

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
            config.sidecarCpAddress ?? `http://${service}.${namespace}.svc:${config.dpServerAddress.port}`,
        },
        log: runtime.log,
        signal,
      });
      return { done: environment.done };
    },
  });
}
