/**
 * Finding the Kubernetes API server the standard way: the in-cluster service account (a Pod
 * with `KUBERNETES_SERVICE_HOST` and a mounted token), else the files in `KUBECONFIG`
 * (colon-separated, merged, first wins), else `~/.kube/config`. The environment is passed in:
 * only the composition root reads `process.env`.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { MeshError } from '@zonemesh/api';

/** Where the service account's files are mounted in a Pod. */
export const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Where the configuration came from (logged at start). */
export type KubeConfigSource = 'in-cluster' | 'KUBECONFIG' | '~/.kube/config';

/** A loaded configuration: the client-node KubeConfig plus what the logs show. */
export interface LoadedKubeConfig {
  readonly kubeConfig: KubeConfig;
  readonly source: KubeConfigSource;
  /** The API server URL of the current context. */
  readonly server: string;
  /** The namespace of the current context (in-cluster: the Pod's), if any. */
  readonly namespace: string | undefined;
}

export interface FindKubeConfigOptions {
  /** The process environment (`KUBERNETES_SERVICE_HOST`, `KUBERNETES_SERVICE_PORT`, `KUBECONFIG`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Home folder for `~/.kube/config`; default the user's. */
  readonly homeDir?: string;
  /** Service account folder; default {@link serviceAccountDir}. */
  readonly serviceAccountDir?: string;
}

/**
 * Loads the configuration; throws `MeshError` (`InvalidInput`, not retryable) naming every
 * place looked at when none has one, or when a file cannot be read.
 */
export function findKubeConfig(options: FindKubeConfigOptions): LoadedKubeConfig {
  const { env } = options;
  const accountDir = options.serviceAccountDir ?? serviceAccountDir;
  const kubeConfig = new KubeConfig();
  let source: KubeConfigSource;
  const host = env.KUBERNETES_SERVICE_HOST;
  const tokenFile = join(accountDir, 'token');
  if (host !== undefined && host !== '' && existsSync(tokenFile)) {
    const port = env.KUBERNETES_SERVICE_PORT ?? '443';
    const bracketed = host.includes(':') ? `[${host}]` : host;
    kubeConfig.loadFromClusterAndUser(
      {
        name: 'in-cluster',
        server: `https://${bracketed}:${port}`,
        caFile: join(accountDir, 'ca.crt'),
        skipTLSVerify: false,
      },
      { name: 'in-cluster', authProvider: { name: 'tokenFile', config: { tokenFile } } },
    );
    source = 'in-cluster';
  } else {
    const files = (env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== '');
    const home = join(options.homeDir ?? homedir(), '.kube', 'config');
    const existing = files.filter((file) => existsSync(file));
    if (files.length > 0 && existing.length === 0) {
      throw new MeshError('InvalidInput', `no file of KUBECONFIG exists (${files.join(', ')})`);
    }
    const chosen = existing.length > 0 ? existing : existsSync(home) ? [home] : [];
    if (chosen.length === 0) {
      throw new MeshError(
        'InvalidInput',
        `no Kubernetes API server configured: not in a cluster (no KUBERNETES_SERVICE_HOST with a token in ${accountDir}), no KUBECONFIG, no ${home}`,
      );
    }
    source = existing.length > 0 ? 'KUBECONFIG' : '~/.kube/config';
    try {
      const loaded = chosen.map((file) => {
        const config = new KubeConfig();
        config.loadFromFile(file);
        return config;
      });
      // As kubectl merges KUBECONFIG: for each name the first file that defines it wins.
      const firstByName = <T extends { name: string }>(lists: T[][]): T[] => {
        const seen = new Map<string, T>();
        for (const entry of lists.flat()) if (!seen.has(entry.name)) seen.set(entry.name, entry);
        return [...seen.values()];
      };
      kubeConfig.loadFromOptions({
        clusters: firstByName(loaded.map((config) => config.getClusters())),
        users: firstByName(loaded.map((config) => config.getUsers())),
        contexts: firstByName(loaded.map((config) => config.getContexts())),
        currentContext: loaded.map((config) => config.getCurrentContext()).find((name) => name !== '') ?? '',
      });
    } catch (err) {
      throw new MeshError(
        'InvalidInput',
        `cannot read the kubeconfig ${chosen.join(', ')}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) {
    throw new MeshError('InvalidInput', 'the kubeconfig has no current context with a cluster');
  }
  const context = kubeConfig.getContextObject(kubeConfig.getCurrentContext());
  return { kubeConfig, source, server: cluster.server, namespace: context?.namespace ?? undefined };
}
