/**
 * Kubernetes objects for this package's tests (Namespaces, Pods, Services), a kube client on the
 * fake API, and waiting for an outcome with a deadline.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { FakeKubeApi, KubeObject } from '@zonemesh/testkit';
import { pino } from 'pino';
import { createKubeClient, type KubeClient } from './kube-client.js';

/** A silent logger (set ZONEMESH_TEST_LOG=debug to see the components talk). */
export const testLog = pino({ level: process.env.ZONEMESH_TEST_LOG ?? 'silent' });

/** A client of the fake API, through a kubeconfig as the control plane would load it. */
export function clientFor(api: FakeKubeApi): KubeClient {
  const config = new KubeConfig();
  config.loadFromString(api.kubeconfig());
  return createKubeClient(config);
}

export function namespace(name: string, injection = true): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: injection ? { 'kuma.io/sidecar-injection': 'enabled' } : {} },
  };
}

export interface PodInput {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly ip: string;
  readonly ready?: boolean;
  readonly annotations?: Record<string, string>;
  readonly ports?: ReadonlyArray<{ name: string; containerPort: number }>;
}

export function pod(input: PodInput): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: input.labels,
      ...(input.annotations === undefined ? {} : { annotations: input.annotations }),
    },
    spec: { containers: [{ name: 'app', image: 'app:1', ports: input.ports ?? [] }] },
    status: {
      phase: 'Running',
      podIP: input.ip,
      conditions: [{ type: 'Ready', status: input.ready === false ? 'False' : 'True' }],
    },
  };
}

export function service(
  name: string,
  namespaceName: string,
  selector: Record<string, string>,
  ports: ReadonlyArray<{ port: number; targetPort?: number | string; appProtocol?: string; name?: string }>,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: namespaceName },
    spec: { selector, ports },
  };
}

/** Polls `check` until it returns without throwing, or rethrows its last error after `ms`. */
export async function eventually<T>(check: () => T | Promise<T>, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
