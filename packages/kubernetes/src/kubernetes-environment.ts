/**
 * Everything a control plane runs when it lives on Kubernetes, started as one unit: on a zone,
 * the workload controller (Pods to Dataplanes). The control plane's composition root adds it
 * with `--environment kubernetes`.
 */
import type { ResourceStore } from '@zonemesh/store';
import type { Logger } from 'pino';
import type { KubeClient } from './kube-client.js';
import { startWorkloadController } from './workload-controller.js';

export interface KubernetesEnvironmentOptions {
  readonly client: KubeClient;
  /** The control plane's store (memory, Redis or Kubernetes). */
  readonly store: ResourceStore;
  readonly mode: 'global' | 'zone';
  /** This zone's name (zone mode). */
  readonly zone: string | undefined;
  readonly log: Logger;
  readonly signal: AbortSignal;
}

/** What runs; `done` settles once all of it stopped after the signal. */
export interface KubernetesEnvironment {
  /** Resolves once the controllers made their first full pass. */
  readonly synced: Promise<void>;
  readonly done: Promise<void>;
}

/** Starts the controllers of this mode; runs until `signal` aborts. */
export function startKubernetesEnvironment(options: KubernetesEnvironmentOptions): KubernetesEnvironment {
  const { client, store, zone, log, signal } = options;
  const parts: Array<{ synced: Promise<void>; done: Promise<void> }> = [];
  if (options.mode === 'zone') {
    parts.push(startWorkloadController({ client, store, zone, log, signal }));
  }
  return {
    synced: Promise.all(parts.map((part) => part.synced)).then(() => undefined),
    done: Promise.all(parts.map((part) => part.done)).then(() => undefined),
  };
}
