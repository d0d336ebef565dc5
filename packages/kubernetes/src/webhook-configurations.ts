/**
 * The webhook configurations that make the API server call the control plane: a validating one
 * for every kuma.io object, and (zones) a mutating one for Pods in namespaces labelled
 * `kuma.io/sidecar-injection: enabled`. The control plane writes them at start with its CA in
 * `caBundle`; the install manifests carry the same objects.
 */
import type { KubeObject } from './kube-client.js';
import { kumaGroup, kumaVersion } from './custom-resource-definitions.js';

/** Names of the configuration objects. */
export const WebhookConfigurationNames = {
  validating: 'zonemesh-validator',
  mutating: 'zonemesh-sidecar-injector',
} as const;

export interface WebhookTarget {
  /** The Service in front of the control plane's webhook port. */
  readonly namespace: string;
  readonly service: string;
  /** Base64 PEM of the CA that signed the webhook certificate. */
  readonly caBundle: string;
}

function clientConfig(target: WebhookTarget, path: string): Record<string, unknown> {
  return {
    service: { namespace: target.namespace, name: target.service, path, port: 443 },
    caBundle: target.caBundle,
  };
}

/** The ValidatingWebhookConfiguration for kuma.io objects. */
export function validatingWebhookConfiguration(target: WebhookTarget): KubeObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: {
      name: WebhookConfigurationNames.validating,
      labels: { 'app.kubernetes.io/part-of': 'zonemesh' },
    },
    webhooks: [
      {
        name: 'validator.zonemesh.io',
        clientConfig: clientConfig(target, '/validate'),
        rules: [
          {
            apiGroups: [kumaGroup],
            apiVersions: [kumaVersion],
            resources: ['*'],
            operations: ['CREATE', 'UPDATE', 'DELETE'],
            scope: '*',
          },
        ],
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 10,
      },
    ],
  };
}

/** The MutatingWebhookConfiguration that injects sidecars into Pods of enabled namespaces. */
export function mutatingWebhookConfiguration(target: WebhookTarget): KubeObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: {
      name: WebhookConfigurationNames.mutating,
      labels: { 'app.kubernetes.io/part-of': 'zonemesh' },
    },
    webhooks: [
      {
        name: 'sidecar-injector.zonemesh.io',
        clientConfig: clientConfig(target, '/inject'),
        rules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            resources: ['pods'],
            operations: ['CREATE'],
            scope: 'Namespaced',
          },
        ],
        namespaceSelector: { matchLabels: { 'kuma.io/sidecar-injection': 'enabled' } },
        failurePolicy: 'Fail',
        sideEffects: 'None',
        reinvocationPolicy: 'Never',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 10,
      },
    ],
  };
}
