/**
 * From Kubernetes workloads to Kuma Dataplanes, as Kuma's pod controller does it: a running,
 * ready Pod that one or more Services select, in a namespace labelled
 * `kuma.io/sidecar-injection: enabled` (a Pod label or annotation `kuma.io/sidecar-injection`
 * overrides it), is the Dataplane `<pod>.<namespace>` with one inbound per Service port. Pure
 * functions: the workload controller feeds them its informer caches.
 */
import { Labels, type NewResource, Tags, supportedProtocols, validateResource } from '@zonemesh/api';
import type { KubeObject } from './kube-client.js';

/** Labels and annotations zonemesh reads on Kubernetes objects (Kuma's names). */
export const KubeLabels = {
  sidecarInjection: 'kuma.io/sidecar-injection',
  mesh: Labels.mesh,
  namespace: 'k8s.kuma.io/namespace',
  serviceName: 'k8s.kuma.io/service-name',
  servicePort: 'k8s.kuma.io/service-port',
  /** Marks the Dataplanes the workload controller owns (and may delete). */
  managedBy: 'zonemesh.io/managed-by',
  /**
   * Pod annotation listing the services the app calls through its sidecar, each on a local port:
   * `backend_shop_svc_80=10080,web=10081` (no transparent proxy: the app calls 127.0.0.1:PORT).
   */
  outbounds: 'zonemesh.io/outbounds',
} as const;

/** The value of {@link KubeLabels.managedBy} on Dataplanes derived from Pods. */
export const workloadControllerName = 'kubernetes-workloads';

/** The Dataplane name of a Pod: `<pod>.<namespace>`, as in Kuma. */
export function dataplaneName(pod: KubeObject): string {
  return `${pod.metadata?.name ?? ''}.${pod.metadata?.namespace ?? ''}`;
}

/** The mesh of a Pod: its `kuma.io/mesh` annotation, else label, else `default`. */
export function meshOfPod(pod: KubeObject): string {
  return pod.metadata?.annotations?.[KubeLabels.mesh] ?? pod.metadata?.labels?.[KubeLabels.mesh] ?? 'default';
}

/** Whether a namespace asks for sidecars (`kuma.io/sidecar-injection: enabled`). */
export function isInjectionEnabled(namespace: KubeObject | undefined): boolean {
  return namespace?.metadata?.labels?.[KubeLabels.sidecarInjection] === 'enabled';
}

/** Whether the Pod is in the mesh: its own label/annotation decides, else its namespace's label. */
export function isPodInMesh(pod: KubeObject, namespace: KubeObject | undefined): boolean {
  const own =
    pod.metadata?.labels?.[KubeLabels.sidecarInjection] ??
    pod.metadata?.annotations?.[KubeLabels.sidecarInjection];
  if (own === 'enabled' || own === 'true') return true;
  if (own === 'disabled' || own === 'false') return false;
  return isInjectionEnabled(namespace);
}

interface PodStatus {
  phase?: string;
  podIP?: string;
  conditions?: Array<{ type?: string; status?: string }>;
}

interface ContainerPort {
  name?: string;
  containerPort?: number;
}

interface ServicePort {
  name?: string;
  port?: number;
  targetPort?: number | string;
  appProtocol?: string;
}

/** Whether the Pod runs, is Ready, has an IP and is not being deleted. */
export function isPodServing(pod: KubeObject): boolean {
  const status = (pod.status ?? {}) as PodStatus;
  if (pod.metadata?.deletionTimestamp !== undefined) return false;
  if (status.phase !== 'Running' || (status.podIP ?? '') === '') return false;
  return (status.conditions ?? []).some(
    (condition) => condition.type === 'Ready' && condition.status === 'True',
  );
}

/** Whether the Service selects the Pod (same namespace, non-empty selector, all of it matches). */
export function serviceSelects(service: KubeObject, pod: KubeObject): boolean {
  if (service.metadata?.namespace !== pod.metadata?.namespace) return false;
  const spec = (service.spec ?? {}) as { selector?: Record<string, string>; type?: string };
  if (spec.type === 'ExternalName') return false;
  const selector = spec.selector ?? {};
  const entries = Object.entries(selector);
  if (entries.length === 0) return false;
  const labels = pod.metadata?.labels ?? {};
  return entries.every(([key, value]) => labels[key] === value);
}

/** A Service port's `kuma.io/protocol`: its `appProtocol` when Kuma knows it, else `tcp`. */
export function protocolOf(port: ServicePort): string {
  const app = (port.appProtocol ?? '').toLowerCase();
  if ((supportedProtocols as readonly string[]).includes(app)) return app;
  if (app === 'kubernetes.io/h2c') return 'http2';
  return 'tcp';
}

/** The Pod's port a Service port forwards to (named target ports look up the containers). */
export function resolveTargetPort(port: ServicePort, pod: KubeObject): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  const containers =
    (pod.spec as { containers?: Array<{ ports?: ContainerPort[] }> } | undefined)?.containers ?? [];
  for (const container of containers) {
    for (const containerPort of container.ports ?? []) {
      if (containerPort.name === target) return containerPort.containerPort;
    }
  }
  return undefined;
}

/** Tags from Pod labels: Kuma tag values cannot be empty, and kuma.io/ tags are set by zonemesh. */
function labelTags(pod: KubeObject): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(pod.metadata?.labels ?? {})) {
    if (value === '' || key === Tags.service || key === Tags.zone || key === Tags.protocol) continue;
    if (key === KubeLabels.sidecarInjection || key === KubeLabels.mesh) continue;
    tags[key] = value;
  }
  return tags;
}

/** One inbound of a Pod's Dataplane: the Pod port and its tags. */
export interface WorkloadInbound {
  readonly port: number;
  readonly tags: Record<string, string>;
}

/**
 * The inbounds of a Pod: one per port of every Service that selects it (Services by name, ports
 * by number), tagged with the Pod's labels, `kuma.io/service: <svc>_<ns>_svc_<port>`,
 * `kuma.io/zone`, `kuma.io/protocol` (the port's `appProtocol`) and the `k8s.kuma.io/` tags.
 * `namespace` overrides the Pod's (a Pod being admitted may not carry it yet).
 */
export function inboundsForPod(
  pod: KubeObject,
  services: readonly KubeObject[],
  zone: string | undefined,
  namespace: string = pod.metadata?.namespace ?? '',
): WorkloadInbound[] {
  const placed: KubeObject = { ...pod, metadata: { ...pod.metadata, namespace } };
  const base = labelTags(pod);
  const inbound: WorkloadInbound[] = [];
  const selecting = services
    .filter((service) => serviceSelects(service, placed))
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const service of selecting) {
    const serviceName = service.metadata?.name ?? '';
    const ports = ((service.spec as { ports?: ServicePort[] } | undefined)?.ports ?? []).slice();
    ports.sort((a, b) => (a.port ?? 0) - (b.port ?? 0));
    for (const port of ports) {
      const target = resolveTargetPort(port, pod);
      if (target === undefined || port.port === undefined) continue;
      inbound.push({
        port: target,
        tags: {
          ...base,
          [Tags.service]: `${serviceName}_${namespace}_svc_${port.port}`,
          ...(zone === undefined ? {} : { [Tags.zone]: zone }),
          [Tags.protocol]: protocolOf(port),
          [KubeLabels.namespace]: namespace,
          [KubeLabels.serviceName]: serviceName,
          [KubeLabels.servicePort]: String(port.port),
        },
      });
    }
  }
  return inbound;
}

/** One outbound of a Pod's Dataplane: a local port and the service it reaches. */
export interface WorkloadOutbound {
  readonly port: number;
  readonly tags: Record<string, string>;
}

/**
 * The outbounds a Pod asks for in its `zonemesh.io/outbounds` annotation
 * (`service=port,...`), in the order written. Entries that are not `service=port` with a port
 * from 1 to 65535 are left out.
 */
export function outboundsForPod(pod: KubeObject): WorkloadOutbound[] {
  const text = pod.metadata?.annotations?.[KubeLabels.outbounds] ?? '';
  const outbounds: WorkloadOutbound[] = [];
  for (const entry of text.split(',')) {
    const match = /^\s*([^=\s]+)\s*=\s*(\d{1,5})\s*$/.exec(entry);
    const port = Number(match?.[2]);
    if (match === null || port < 1 || port > 65_535) continue;
    outbounds.push({ port, tags: { [Tags.service]: match[1] ?? '' } });
  }
  return outbounds;
}

export interface WorkloadInput {
  readonly pod: KubeObject;
  readonly namespace: KubeObject | undefined;
  /** Services of the Pod's namespace. */
  readonly services: readonly KubeObject[];
  /** This zone's name, for `kuma.io/zone`; omitted on a zone without a name. */
  readonly zone: string | undefined;
}

/** Why a Pod has no Dataplane (for logs), or the Dataplane. */
export type WorkloadOutcome =
  | { readonly kind: 'dataplane'; readonly resource: NewResource }
  | { readonly kind: 'none'; readonly reason: string };

/**
 * The Dataplane of a Pod, or why there is none: not in the mesh, not serving, no Service, or a
 * result that does not validate (e.g. a label that is no valid tag).
 */
export function dataplaneForPod(input: WorkloadInput): WorkloadOutcome {
  const { pod, namespace, services, zone } = input;
  if (!isPodInMesh(pod, namespace)) return { kind: 'none', reason: 'sidecar injection is not enabled' };
  if (!isPodServing(pod)) return { kind: 'none', reason: 'the pod is not running and ready' };
  const podNamespace = pod.metadata?.namespace ?? '';
  const inbound = inboundsForPod(pod, services, zone);
  const outbounds = outboundsForPod(pod);
  if (inbound.length === 0) return { kind: 'none', reason: 'no service selects the pod' };
  const resource: NewResource = {
    type: 'Dataplane',
    meta: {
      name: dataplaneName(pod),
      mesh: meshOfPod(pod),
      labels: {
        [KubeLabels.namespace]: podNamespace,
        [KubeLabels.managedBy]: workloadControllerName,
        [Labels.origin]: 'zone',
        ...(zone === undefined ? {} : { [Labels.zone]: zone }),
      },
    },
    spec: {
      networking: {
        address: (pod.status as PodStatus).podIP,
        inbound,
        ...(outbounds.length === 0 ? {} : { outbound: outbounds }),
      },
    },
  };
  const errors = validateResource(resource);
  if (errors.length > 0) {
    return {
      kind: 'none',
      reason: `the derived Dataplane is invalid: ${errors.map((error) => `${error.field}: ${error.message}`).join('; ')}`,
    };
  }
  return { kind: 'dataplane', resource };
}
