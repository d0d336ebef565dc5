/**
 * The mutating webhook that adds the sidecar to Pods created in the mesh (namespace labelled
 * `kuma.io/sidecar-injection: enabled`, or the Pod's own label/annotation). It adds:
 * - the `zonemesh-dp` container, run as `zonemesh-dp run --cp-address <zone CP dp server>
 *   --dataplane-file /var/run/zonemesh/dataplane.yaml --dataplane-var name=$(POD_NAME).$(POD_NAMESPACE)
 *   --dataplane-var address=$(POD_IP) --admin-address 0.0.0.0:9901
 *   --dataplane-token-file /var/run/secrets/kubernetes.io/serviceaccount/token` (the Pod's
 *   ServiceAccount token proves which Pod it is: the control plane reviews it, docs/security.md);
 * - the Dataplane file: a Universal Dataplane template in the annotation
 *   `zonemesh.io/dataplane`, mounted through a downward API volume (no shell, no init container).
 *   `{{ name }}` and `{{ address }}` are filled by `--dataplane-var` from the Pod's name and IP,
 *   which are not known yet at admission; the inbounds come from the Services that select the
 *   Pod now (the workload controller keeps the stored Dataplane current afterwards).
 * - with `caPem` (the control plane speaks HTTPS with a certificate of its own CA): that CA in
 *   the annotation `zonemesh.io/cp-ca`, mounted beside the Dataplane file as `ca.crt` and passed
 *   as `--ca-cert-file`. An annotation because Pods of other namespaces cannot mount the control
 *   plane's Secrets or ConfigMaps, and it needs no object per namespace.
 * The app keeps its ports: the sidecar listens on the Pod IP and forwards to 127.0.0.1, so an app
 * in the mesh binds to localhost (docs/kubernetes.md).
 */
import { stringify } from 'yaml';
import { type AdmissionRequest, type AdmissionResponse, allow, allowWithPatch } from './admission-review.js';
import type { KubeObject } from './kube-client.js';
import { inboundsForPod, isPodInMesh, meshOfPod, outboundsForPod } from './workload-dataplane.js';

/** The injected container's name. */
export const sidecarContainerName = 'zonemesh-dp';
/** The annotation holding the Dataplane template, and the one marking an injected Pod. */
export const InjectionAnnotations = {
  dataplane: 'zonemesh.io/dataplane',
  cpCa: 'zonemesh.io/cp-ca',
  injected: 'kuma.io/sidecar-injected',
} as const;
/** The sidecar's admin port (`/ready`, `/metrics`). */
export const sidecarAdminPort = 9901;

export interface SidecarInjectionOptions {
  /** The image with `zonemesh-dp`. */
  readonly image: string;
  /** The zone CP's dataplane server as seen from Pods (`https://zonemesh-control-plane.zonemesh-system.svc:5678`). */
  readonly cpAddress: string;
  /**
   * The CA (PEM) the sidecar verifies the control plane with (`--ca-cert-file`); omitted: the
   * system roots (a public certificate, or plain HTTP).
   */
  readonly caPem?: string;
  readonly zone: string | undefined;
  /** The namespace object (from the informer cache). */
  readonly namespaceOf: (name: string) => KubeObject | undefined;
  /** The Services of a namespace (from the informer cache). */
  readonly servicesOf: (namespace: string) => readonly KubeObject[];
}

const dataplaneDir = '/var/run/zonemesh';

/** Where Kubernetes mounts a Pod's ServiceAccount token: the sidecar's credential. */
export const serviceAccountTokenFile = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Answers one admission request for a Pod: the sidecar patch, or allowed unchanged. */
export function injectSidecar(
  request: AdmissionRequest,
  options: SidecarInjectionOptions,
): AdmissionResponse {
  if (
    request.resource.group !== '' ||
    request.resource.resource !== 'pods' ||
    request.operation !== 'CREATE'
  ) {
    return allow(request);
  }
  if (request.subResource !== undefined && request.subResource !== '') return allow(request);
  const pod = (request.object ?? {}) as KubeObject;
  const namespace = request.namespace ?? pod.metadata?.namespace ?? '';
  if (!isPodInMesh(pod, options.namespaceOf(namespace))) return allow(request);
  const spec = (pod.spec ?? {}) as { containers?: Array<{ name?: string }>; volumes?: unknown[] };
  if ((spec.containers ?? []).some((container) => container.name === sidecarContainerName))
    return allow(request);
  return allowWithPatch(request, sidecarPatch(pod, namespace, options));
}

/** The JSON Patch operations that add the sidecar to `pod`. */
export function sidecarPatch(
  pod: KubeObject,
  namespace: string,
  options: SidecarInjectionOptions,
): unknown[] {
  const spec = (pod.spec ?? {}) as { volumes?: unknown[] };
  const outbounds = outboundsForPod(pod);
  const template = {
    type: 'Dataplane',
    mesh: meshOfPod(pod),
    name: '{{ name }}',
    networking: {
      address: '{{ address }}',
      inbound: inboundsForPod(pod, options.servicesOf(namespace), options.zone, namespace),
      ...(outbounds.length === 0 ? {} : { outbound: outbounds }),
    },
  };
  const container = {
    name: sidecarContainerName,
    image: options.image,
    args: [
      'run',
      '--cp-address',
      options.cpAddress,
      '--dataplane-file',
      `${dataplaneDir}/dataplane.yaml`,
      '--dataplane-var',
      'name=$(POD_NAME).$(POD_NAMESPACE)',
      '--dataplane-var',
      'address=$(POD_IP)',
      '--admin-address',
      `0.0.0.0:${sidecarAdminPort}`,
      '--dataplane-token-file',
      serviceAccountTokenFile,
      ...(options.caPem === undefined ? [] : ['--ca-cert-file', `${dataplaneDir}/ca.crt`]),
    ],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    ],
    ports: [{ name: 'zonemesh-admin', containerPort: sidecarAdminPort }],
    readinessProbe: { httpGet: { path: '/ready', port: sidecarAdminPort }, periodSeconds: 5 },
    volumeMounts: [{ name: 'zonemesh-dataplane', mountPath: dataplaneDir, readOnly: true }],
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 5678,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
  };
  const volume = {
    name: 'zonemesh-dataplane',
    downwardAPI: {
      items: [
        {
          path: 'dataplane.yaml',
          fieldRef: { fieldPath: `metadata.annotations['${InjectionAnnotations.dataplane}']` },
        },
        ...(options.caPem === undefined
          ? []
          : [
              {
                path: 'ca.crt',
                fieldRef: { fieldPath: `metadata.annotations['${InjectionAnnotations.cpCa}']` },
              },
            ]),
      ],
    },
  };
  const annotations = {
    [InjectionAnnotations.dataplane]: stringify(template),
    ...(options.caPem === undefined ? {} : { [InjectionAnnotations.cpCa]: options.caPem }),
    [InjectionAnnotations.injected]: 'true',
  };
  const operations: unknown[] = [{ op: 'add', path: '/spec/containers/-', value: container }];
  operations.push(
    spec.volumes === undefined
      ? { op: 'add', path: '/spec/volumes', value: [volume] }
      : { op: 'add', path: '/spec/volumes/-', value: volume },
  );
  if (pod.metadata?.annotations === undefined) {
    operations.push({ op: 'add', path: '/metadata/annotations', value: annotations });
  } else {
    for (const [key, value] of Object.entries(annotations)) {
      operations.push({ op: 'add', path: `/metadata/annotations/${escapePointer(key)}`, value });
    }
  }
  return operations;
}

/** JSON Pointer escaping (RFC 6901). */
function escapePointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}
