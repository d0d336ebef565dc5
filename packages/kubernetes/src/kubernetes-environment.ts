/**
 * Everything a control plane runs when it lives on Kubernetes, started as one unit:
 * - on a zone, the workload controller (Pods to Dataplanes), the zone ingress controller (ingress
 *   Pods to ZoneIngresses advertised at their Service's address) and the sidecar injector;
 * - everywhere, the validating webhook for kuma.io objects (ownership and Kuma's rules);
 * - on global and standalone zones without `--store kubernetes`, the copy of kuma.io objects
 *   (`kubectl apply`) into the store;
 * - the admission server (HTTPS, provided or self-signed certificate) and, unless turned off,
 *   the webhook configurations with this server's CA, written at start.
 * The control plane's composition root adds it with `--environment kubernetes`.
 */
import { MeshError } from '@zonemesh/api';
import type { ResourceStore } from '@zonemesh/store';
import type { Logger } from 'pino';
import { type AdmissionHandler, startAdmissionServer } from './admission-server.js';
import type { KubeClient, KubeObject } from './kube-client.js';
import { startPolicyImport } from './policy-import-controller.js';
import { admitResource } from './resource-admission.js';
import { injectSidecar } from './sidecar-injection.js';
import {
  createSelfSignedWebhookCertificate,
  readWebhookCertificate,
  serviceDnsNames,
  type WebhookCertificate,
} from './webhook-certificate.js';
import { mutatingWebhookConfiguration, validatingWebhookConfiguration } from './webhook-configurations.js';
import { startWorkloadController } from './workload-controller.js';
import { startZoneIngressController } from './zone-ingress-controller.js';

export interface KubernetesEnvironmentOptions {
  readonly client: KubeClient;
  /** The control plane's store (memory, Redis or Kubernetes). */
  readonly store: ResourceStore;
  readonly mode: 'global' | 'zone';
  /** This zone's name (zone mode). */
  readonly zone: string | undefined;
  /** A zone connected to a global control plane. */
  readonly federated: boolean;
  /** The control plane's namespace. */
  readonly namespace: string;
  /**
   * Copy kuma.io objects (policies, meshes) into the store: on global and standalone zones whose
   * store is not itself Kubernetes.
   */
  readonly importPolicies: boolean;
  readonly webhook: {
    readonly host: string;
    readonly port: number;
    /** The Service (and service account) name of the control plane. */
    readonly service: string;
    /** Provided certificate files; omitted: a self-signed one is made at start. */
    readonly certFile?: string;
    readonly keyFile?: string;
    readonly caFile?: string;
    /** Write the webhook configurations at start (default true). */
    readonly register?: boolean;
  };
  /** Sidecar injection (zone mode). */
  readonly sidecar: {
    readonly image: string;
    /** The dataplane server as Pods reach it. */
    readonly cpAddress: string;
    /** The CA sidecars verify the dataplane server with (`--ca-cert-file`); omitted: system roots. */
    readonly caPem?: string;
  };
  readonly log: Logger;
  readonly signal: AbortSignal;
}

/** What runs; `done` settles once all of it stopped after the signal. */
export interface KubernetesEnvironment {
  /** Resolves once the controllers made their first full pass. */
  readonly synced: Promise<void>;
  readonly done: Promise<void>;
  /** The bound admission webhook port. */
  readonly webhookPort: number;
  /** The CA PEM the webhook certificate chains to. */
  readonly webhookCaPem: string;
}

/** Starts the controllers and webhooks of this mode; runs until `signal` aborts. */
export async function startKubernetesEnvironment(
  options: KubernetesEnvironmentOptions,
): Promise<KubernetesEnvironment> {
  const { client, store, zone, signal, webhook } = options;
  const log = options.log.child({ component: 'kubernetes' });
  const parts: Array<{ synced?: Promise<void>; done: Promise<void> }> = [];
  const handlers: Record<string, AdmissionHandler> = {};
  const trustedUsers = [`system:serviceaccount:${options.namespace}:${webhook.service}`];
  handlers['/validate'] = (request) =>
    admitResource(request, { mode: options.mode, federated: options.federated, trustedUsers });
  if (options.mode === 'zone') {
    const workloads = startWorkloadController({ client, store, zone, log: options.log, signal });
    parts.push(workloads);
    parts.push(
      startZoneIngressController({
        client,
        store,
        namespace: options.namespace,
        zone,
        log: options.log,
        signal,
      }),
    );
    handlers['/inject'] = (request) =>
      injectSidecar(request, {
        image: options.sidecar.image,
        cpAddress: options.sidecar.cpAddress,
        ...(options.sidecar.caPem === undefined ? {} : { caPem: options.sidecar.caPem }),
        zone,
        namespaceOf: (name) => workloads.namespaceOf(name),
        servicesOf: (namespace) => workloads.servicesOf(namespace),
      });
  }
  if (options.importPolicies) {
    parts.push(startPolicyImport({ client, store, log: options.log, signal }));
  }
  const certificate = await webhookCertificate(options);
  const server = await startAdmissionServer({
    host: webhook.host,
    port: webhook.port,
    certificate,
    handlers,
    log,
    signal,
  });
  parts.push(server);
  if (webhook.register !== false) {
    parts.push({ done: registerWebhooks(options, certificate, log) });
  }
  return {
    synced: Promise.all(parts.map(async (part) => part.synced)).then(() => undefined),
    done: Promise.all(parts.map((part) => part.done)).then(() => undefined),
    webhookPort: server.port,
    webhookCaPem: certificate.caPem,
  };
}

async function webhookCertificate(options: KubernetesEnvironmentOptions): Promise<WebhookCertificate> {
  const { webhook } = options;
  if (webhook.certFile !== undefined || webhook.keyFile !== undefined) {
    if (webhook.certFile === undefined || webhook.keyFile === undefined) {
      throw new MeshError(
        'InvalidInput',
        'a webhook certificate needs both the certificate and the key file',
      );
    }
    return readWebhookCertificate({
      certFile: webhook.certFile,
      keyFile: webhook.keyFile,
      ...(webhook.caFile === undefined ? {} : { caFile: webhook.caFile }),
    });
  }
  return createSelfSignedWebhookCertificate({
    dnsNames: [...serviceDnsNames(webhook.service, options.namespace), 'localhost'],
    ipAddresses: ['127.0.0.1'],
  });
}

/**
 * Writes the webhook configurations with this server's CA, retrying (1 s doubling to 30 s) until
 * written or stopped: without them the API server neither validates nor injects.
 */
async function registerWebhooks(
  options: KubernetesEnvironmentOptions,
  certificate: WebhookCertificate,
  log: Logger,
): Promise<void> {
  const target = {
    namespace: options.namespace,
    service: options.webhook.service,
    caBundle: Buffer.from(certificate.caPem).toString('base64'),
  };
  const objects = [
    validatingWebhookConfiguration(target),
    ...(options.mode === 'zone' ? [mutatingWebhookConfiguration(target)] : []),
  ];
  for (let delay = 1_000; !options.signal.aborted; delay = Math.min(delay * 2, 30_000)) {
    try {
      for (const object of objects) await apply(options.client, object);
      log.info(
        { configurations: objects.map((object) => object.metadata?.name) },
        'webhook configurations written',
      );
      return;
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'writing the webhook configurations failed, retrying');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        options.signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    }
  }
}

/** Creates the object, or replaces the existing one (keeping nothing of it but its version). */
async function apply(client: KubeClient, object: KubeObject): Promise<void> {
  const plural =
    object.kind === 'MutatingWebhookConfiguration'
      ? 'mutatingwebhookconfigurations'
      : 'validatingwebhookconfigurations';
  const collection = `/apis/admissionregistration.k8s.io/v1/${plural}`;
  const path = `${collection}/${object.metadata?.name ?? ''}`;
  const existing = await client.get(path);
  if (existing === undefined) {
    await client.create(collection, object);
    return;
  }
  await client.replace(path, {
    ...object,
    metadata: { ...object.metadata, resourceVersion: existing.metadata?.resourceVersion ?? '' },
  });
}
