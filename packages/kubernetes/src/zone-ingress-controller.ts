/**
 * The zone ingress on Kubernetes: every running, ready Pod labelled
 * `app.kubernetes.io/component: zone-ingress` in the control plane's namespace is the ZoneIngress
 * `<pod>.<namespace>` of this zone (as Kuma's pod controller makes it), listening on the Pod IP
 * and the Service's target port, and advertised to other zones with the address the Service
 * gives it, first found of:
 * 1. the Service annotations `kuma.io/ingress-public-address` and `kuma.io/ingress-public-port`;
 * 2. a LoadBalancer's ingress IP (or hostname) and the Service port;
 * 3. the address of the Pod's node (ExternalIP, else InternalIP) and the NodePort.
 * The dataplane server keeps `availableServices` current; this controller keeps what it finds
 * there and owns the rest (label `zonemesh.io/managed-by: kubernetes-ingress`), setting it again
 * when the ingress's own registration replaced it.
 */
import { isMeshError, Labels, type NewResource, type Resource, validateResource } from '@zonemesh/api';
import type { ResourceStore } from '@zonemesh/store';
import type { Logger } from 'pino';
import { startInformer } from './informer.js';
import type { KubeClient, KubeObject } from './kube-client.js';
import { fingerprintOf } from './resource-fingerprint.js';
import { isPodServing, KubeLabels, resolveTargetPort, serviceSelects } from './workload-dataplane.js';

/** The label selecting zone ingress Pods and their Service. */
export const zoneIngressSelector = 'app.kubernetes.io/component=zone-ingress';
/** Kuma's annotations that set the advertised address and port on the ingress Service. */
export const IngressAnnotations = {
  publicAddress: 'kuma.io/ingress-public-address',
  publicPort: 'kuma.io/ingress-public-port',
} as const;
/** The value of `zonemesh.io/managed-by` on ZoneIngresses made from Pods. */
export const ingressControllerName = 'kubernetes-ingress';

interface ServicePort {
  port?: number;
  targetPort?: number | string;
  nodePort?: number;
}

/** Where other zones reach an ingress, or why it cannot be said yet. */
export type AdvertisedAddress =
  | { readonly kind: 'found'; readonly address: string; readonly port: number; readonly from: string }
  | { readonly kind: 'unknown'; readonly reason: string };

/** The advertised address of an ingress Pod behind `service` (see the module comment). */
export function advertisedAddressOf(
  service: KubeObject,
  pod: KubeObject,
  nodes: readonly KubeObject[],
): AdvertisedAddress {
  const annotations = service.metadata?.annotations ?? {};
  const spec = (service.spec ?? {}) as { type?: string; ports?: ServicePort[] };
  const port = spec.ports?.[0];
  const annotatedAddress = annotations[IngressAnnotations.publicAddress];
  const annotatedPort = annotations[IngressAnnotations.publicPort];
  if (annotatedAddress !== undefined && annotatedAddress !== '') {
    const chosen =
      annotatedPort !== undefined && /^\d+$/.test(annotatedPort) ? Number(annotatedPort) : port?.port;
    if (chosen === undefined)
      return { kind: 'unknown', reason: `${IngressAnnotations.publicPort} is missing` };
    return { kind: 'found', address: annotatedAddress, port: chosen, from: 'annotations' };
  }
  const loadBalancer = (
    (service.status ?? {}) as { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } }
  ).loadBalancer?.ingress?.[0];
  const lbAddress = loadBalancer?.ip ?? loadBalancer?.hostname;
  if (spec.type === 'LoadBalancer' && lbAddress !== undefined && port?.port !== undefined) {
    return { kind: 'found', address: lbAddress, port: port.port, from: 'load balancer' };
  }
  if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && port?.nodePort !== undefined) {
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    const node = nodes.find((candidate) => candidate.metadata?.name === nodeName);
    const addresses =
      ((node?.status ?? {}) as { addresses?: Array<{ type?: string; address?: string }> }).addresses ?? [];
    const address =
      addresses.find((entry) => entry.type === 'ExternalIP')?.address ??
      addresses.find((entry) => entry.type === 'InternalIP')?.address;
    if (address === undefined)
      return { kind: 'unknown', reason: `node ${nodeName ?? '?'} has no address yet` };
    return { kind: 'found', address, port: port.nodePort, from: 'node port' };
  }
  return {
    kind: 'unknown',
    reason:
      spec.type === 'LoadBalancer'
        ? 'the load balancer has no address yet'
        : `a ${spec.type ?? 'ClusterIP'} Service is not reachable from other zones; use LoadBalancer, NodePort or the ${IngressAnnotations.publicAddress} annotation`,
  };
}

export interface ZoneIngressControllerOptions {
  readonly client: KubeClient;
  readonly store: ResourceStore;
  /** The control plane's namespace, where the ingress runs. */
  readonly namespace: string;
  readonly zone: string | undefined;
  readonly log: Logger;
  readonly signal: AbortSignal;
}

/** A running ingress controller. */
export interface ZoneIngressController {
  readonly synced: Promise<void>;
  readonly done: Promise<void>;
}

/** Starts the controller; it runs until `signal` aborts. */
export function startZoneIngressController(options: ZoneIngressControllerOptions): ZoneIngressController {
  const { client, store, namespace, zone, signal } = options;
  const log = options.log.child({ component: 'kubernetes-ingress' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let ready = false;
  const schedule = (delay = 50): void => {
    if (!ready || signal.aborted || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = running.then(reconcile).catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'reconciling zone ingresses failed, retrying');
        schedule(1_000);
      });
    }, delay);
  };
  const informer = (path: string, labelSelector?: string) =>
    startInformer({
      client,
      path,
      log,
      signal,
      onEvent: () => schedule(),
      ...(labelSelector === undefined ? {} : { labelSelector }),
    });
  const services = informer(`/api/v1/namespaces/${namespace}/services`, zoneIngressSelector);
  const pods = informer(`/api/v1/namespaces/${namespace}/pods`, zoneIngressSelector);
  const nodes = informer('/api/v1/nodes');

  async function reconcile(): Promise<void> {
    const desired = new Map<string, NewResource>();
    for (const pod of pods.list()) {
      if (!isPodServing(pod)) continue;
      const service = services.list().find((candidate) => serviceSelects(candidate, pod));
      if (service === undefined) continue;
      const servicePort = ((service.spec as { ports?: ServicePort[] } | undefined)?.ports ?? [])[0];
      const port = servicePort === undefined ? undefined : resolveTargetPort(servicePort, pod);
      const advertised = advertisedAddressOf(service, pod, nodes.list());
      if (advertised.kind === 'unknown')
        log.info({ pod: pod.metadata?.name, reason: advertised.reason }, 'zone ingress not advertised yet');
      const resource: NewResource = {
        type: 'ZoneIngress',
        meta: {
          name: `${pod.metadata?.name ?? ''}.${namespace}`,
          labels: {
            [KubeLabels.managedBy]: ingressControllerName,
            [KubeLabels.namespace]: namespace,
            [Labels.origin]: 'zone',
            ...(zone === undefined ? {} : { [Labels.zone]: zone }),
          },
        },
        spec: {
          ...(zone === undefined ? {} : { zone }),
          networking: {
            address: (pod.status as { podIP?: string }).podIP,
            ...(port === undefined ? {} : { port }),
            ...(advertised.kind === 'found'
              ? { advertisedAddress: advertised.address, advertisedPort: advertised.port }
              : {}),
          },
        },
      };
      const errors = validateResource(resource);
      if (errors.length > 0) {
        log.warn({ pod: pod.metadata?.name, errors }, 'zone ingress from pod is invalid');
        continue;
      }
      desired.set(resource.meta.name, resource);
    }
    for (const resource of desired.values()) await write(resource);
    const stored = await store.list('ZoneIngress', { size: 1_000 });
    for (const resource of stored.items) {
      if (
        resource.meta.labels[KubeLabels.managedBy] !== ingressControllerName ||
        desired.has(resource.meta.name)
      )
        continue;
      try {
        await store.delete(
          { type: 'ZoneIngress', name: resource.meta.name },
          { version: resource.meta.version },
        );
        log.info({ ingress: resource.meta.name }, 'zone ingress removed');
      } catch (err) {
        if (!isMeshError(err, 'NotFound') && !isMeshError(err, 'Conflict')) throw err;
      }
    }
  }

  async function write(resource: NewResource): Promise<void> {
    const key = { type: 'ZoneIngress' as const, name: resource.meta.name };
    const current = await store.get(key);
    if (current === undefined) {
      await store.create(resource);
      log.info({ ingress: resource.meta.name }, 'zone ingress created');
      return;
    }
    const merged = keepingServices(resource, current);
    if (fingerprintOf(merged) === fingerprintOf(current)) return;
    await store.update(merged, { version: current.meta.version });
    log.info({ ingress: resource.meta.name }, 'zone ingress updated');
  }

  /**
   * The ingress registering with the dataplane server writes its file's networking (no advertised
   * address) over the stored ZoneIngress: a change to one of ours in the store is reconciled again.
   */
  const storeWatch = (async () => {
    while (!signal.aborted) {
      try {
        for await (const event of store.watch({ signal })) {
          if (
            event.resource.type === 'ZoneIngress' &&
            event.resource.meta.labels[KubeLabels.managedBy] === ingressControllerName
          ) {
            schedule();
          }
        }
      } catch (err) {
        if (signal.aborted) break;
        log.debug({ err: (err as Error).message }, 'watching zone ingresses in the store failed, again');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  })();

  const synced = (async () => {
    await Promise.race([
      Promise.all([services.synced, pods.synced, nodes.synced]),
      new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
    ]);
    if (signal.aborted) return;
    ready = true;
    running = running.then(reconcile).catch((err: unknown) => {
      log.warn({ err: (err as Error).message }, 'reconciling zone ingresses failed, retrying');
      schedule(1_000);
    });
    await running;
  })();

  return {
    synced,
    done: Promise.all([services.done, pods.done, nodes.done, synced, storeWatch]).then(async () => {
      clearTimeout(timer);
      await running;
    }),
  };
}

function keepingServices(desired: NewResource, current: Resource): NewResource {
  const available = (current.spec as { availableServices?: unknown[] }).availableServices;
  return {
    ...desired,
    meta: { ...desired.meta, labels: { ...current.meta.labels, ...desired.meta.labels } },
    spec: {
      ...(desired.spec as object),
      ...(available === undefined ? {} : { availableServices: available }),
    },
  };
}
