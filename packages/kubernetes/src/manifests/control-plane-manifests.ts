/**
 * The Kubernetes manifests of a zonemesh control plane, as `zmctl install control-plane` prints
 * them (the Helm chart in deploy/helm/zonemesh renders the same objects): the namespace, the
 * CRDs, RBAC, the control plane Deployment and Service, and per mode
 * - global: a NATS hub with JetStream (domain `hub`) and a leaf node port, unless an external
 *   NATS is given;
 * - zone: the zone ingress (Deployment and Service, advertised from the Service) and, when the
 *   zone joins through a leaf node, a NATS leaf node (JetStream domain = the zone's name)
 *   connected to global's hub.
 * The control plane writes its admission webhook configurations itself at start, with the CA of
 * the certificate it makes (see kubernetes-environment.ts), so they are not among these objects.
 *
 * TLS is on: the control plane serves its API and dataplane server over HTTPS with the
 * certificate of the Secret `zonemesh-control-plane-tls` (`ca.crt`, `tls.crt`, `tls.key`),
 * mounted as its `--tls-dir` (so it finds them and reuses them, and tells the sidecar injector
 * `DIR/ca.crt`). The Secret is made once by the installer (see control-plane-tls.ts) and stays
 * the same across restarts and reschedules, so the CA sidecars and ingresses were given keeps
 * verifying; `tlsSecret` names an existing one instead. The zone ingress gets only `ca.crt` of it
 * as `--ca-cert-file`; sidecars get it from the injector (sidecar-injection.ts).
 * Pure: this module does no I/O and does not load the Kubernetes client.
 */
import { customResourceDefinitions } from '../custom-resource-definitions.js';

/** A manifest object. */
export type Manifest = Record<string, unknown>;

/** PEM files of the control plane's TLS certificate; the CA's key is not among them. */
export interface ControlPlaneTlsCertificate {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface ControlPlaneManifestOptions {
  readonly mode: 'global' | 'zone';
  /** The zone's name (zone mode; required when the zone is federated). */
  readonly zone?: string;
  /** Default `zonemesh-system`. */
  readonly namespace?: string;
  /** The image with every zonemesh executable; default `zonemesh/zonemesh:<version>`. */
  readonly image?: string;
  /** Default `kubernetes`. */
  readonly store?: 'kubernetes' | 'memory';
  /**
   * Global: an external NATS instead of the bundled hub. Zone: connect straight to global's NATS
   * (e.g. `nats://hub.example.com:4222`).
   */
  readonly natsUrl?: string;
  /** Zone: run a NATS leaf node connected to this leaf node URL of the hub (`nats-leaf://host:7422`). */
  readonly natsLeafRemote?: string;
  /** Zone: the ingress Service type, default `LoadBalancer`. */
  readonly ingressServiceType?: 'LoadBalancer' | 'NodePort';
  /** Zone: replicas of the zone ingress, default 1. */
  readonly ingressReplicas?: number;
  /**
   * The certificate to put into the Secret `tlsSecret`. Omitted: the Secret is not among the
   * objects and must exist already (made by an earlier install, cert-manager or kubectl).
   */
  readonly tlsCertificate?: ControlPlaneTlsCertificate;
  /** The control plane's TLS Secret (`ca.crt`, `tls.crt`, `tls.key`); default `zonemesh-control-plane-tls`. */
  readonly tlsSecret?: string;
  /** Leave the CRDs out (installed separately). */
  readonly withoutCrds?: boolean;
  /** The zonemesh version (image tag default). */
  readonly version: string;
}

const partOf = { 'app.kubernetes.io/part-of': 'zonemesh' };
const cpName = 'zonemesh-control-plane';
const ingressName = 'zonemesh-ingress';
const natsName = 'zonemesh-nats';
/** The default name of the control plane's TLS Secret. */
export const controlPlaneTlsSecret = `${cpName}-tls`;
/** Where the control plane finds its TLS Secret: its `--tls-dir`. */
const tlsDir = '/var/run/zonemesh/tls';
/** Where the zone ingress finds the CA of the control plane's certificate. */
const ingressCaDir = '/var/run/zonemesh-ca';
/** The user and group zonemesh containers run as (the group may read mounted Secrets). */
const runAsUser = 5678;

/** The DNS names of the control plane's Service, the names its certificate is valid for. */
export function controlPlaneDnsNames(namespace: string): string[] {
  return [
    cpName,
    `${cpName}.${namespace}`,
    `${cpName}.${namespace}.svc`,
    `${cpName}.${namespace}.svc.cluster.local`,
  ];
}

/** Every object to apply, in apply order. Throws an Error naming the option that is wrong. */
export function controlPlaneManifests(options: ControlPlaneManifestOptions): Manifest[] {
  const namespace = options.namespace ?? 'zonemesh-system';
  const image = options.image ?? `zonemesh/zonemesh:${options.version}`;
  if (
    options.mode === 'zone' &&
    (options.natsUrl !== undefined || options.natsLeafRemote !== undefined) &&
    options.zone === undefined
  ) {
    throw new Error('--zone is required for a federated zone');
  }
  if (options.mode === 'global' && options.zone !== undefined)
    throw new Error('--zone is only for --mode zone');
  if (options.mode === 'global' && options.natsLeafRemote !== undefined) {
    throw new Error('--nats-leaf-remote is only for --mode zone');
  }
  if (options.natsUrl !== undefined && options.natsLeafRemote !== undefined) {
    throw new Error('give either --nats-url or --nats-leaf-remote, not both');
  }
  const objects: Manifest[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: partOf } },
    ...(options.withoutCrds === true ? [] : customResourceDefinitions()),
    ...rbac(namespace),
    ...(options.tlsCertificate === undefined
      ? []
      : [tlsSecretObject(namespace, options.tlsSecret ?? controlPlaneTlsSecret, options.tlsCertificate)]),
  ];
  const bundledHub = options.mode === 'global' && options.natsUrl === undefined;
  const leaf = options.mode === 'zone' && options.natsLeafRemote !== undefined;
  if (bundledHub) objects.push(...natsServer(namespace, natsHubConfig()));
  if (leaf)
    objects.push(...natsServer(namespace, natsLeafConfig(options.zone ?? '', options.natsLeafRemote ?? '')));
  const natsUrl = bundledHub || leaf ? `nats://${natsName}.${namespace}.svc:4222` : options.natsUrl;
  objects.push(...controlPlane(namespace, image, options, natsUrl, leaf));
  if (options.mode === 'zone') objects.push(...zoneIngress(namespace, image, options));
  return objects;
}

function rbac(namespace: string): Manifest[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: cpName, namespace, labels: partOf } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: cpName, labels: partOf },
      rules: [
        {
          apiGroups: [''],
          resources: ['namespaces', 'pods', 'services', 'nodes'],
          verbs: ['get', 'list', 'watch'],
        },
        {
          apiGroups: ['kuma.io'],
          resources: ['*'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
        },
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'],
          verbs: ['get', 'create', 'update'],
        },
        // Sidecars and ingresses prove themselves with their ServiceAccount tokens (docs/security.md).
        { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: cpName, labels: partOf },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: cpName },
      subjects: [{ kind: 'ServiceAccount', name: cpName, namespace }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: cpName, namespace, labels: partOf },
      rules: [
        // Store checkpoints (--store kubernetes): key-holding ones in a Secret, the others in a ConfigMap.
        {
          apiGroups: [''],
          resources: ['configmaps', 'secrets'],
          verbs: ['get', 'list', 'watch', 'create', 'update'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: cpName, namespace, labels: partOf },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: cpName },
      subjects: [{ kind: 'ServiceAccount', name: cpName, namespace }],
    },
  ];
}

function controlPlane(
  namespace: string,
  image: string,
  options: ControlPlaneManifestOptions,
  natsUrl: string | undefined,
  leaf: boolean,
): Manifest[] {
  const labels = { ...partOf, 'app.kubernetes.io/name': cpName };
  const args = [
    'run',
    '--mode',
    options.mode,
    ...(options.zone === undefined ? [] : ['--zone', options.zone]),
    '--environment',
    'kubernetes',
    '--store',
    options.store ?? 'kubernetes',
    '--kubernetes-namespace',
    namespace,
    '--sidecar-image',
    image,
    ...(natsUrl === undefined ? [] : ['--nats-url', natsUrl]),
    ...(leaf ? ['--nats-js-domain', 'hub'] : []),
    '--tls-dir',
    tlsDir,
    '--tls-hostnames',
    controlPlaneDnsNames(namespace).join(','),
  ];
  const secretName = options.tlsSecret ?? controlPlaneTlsSecret;
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: cpName, namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': cpName } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: cpName,
            securityContext: { fsGroup: runAsUser },
            containers: [
              {
                name: 'control-plane',
                image,
                command: ['zonemesh-cp'],
                args,
                ports: [
                  { name: 'api', containerPort: 5681 },
                  { name: 'dp-server', containerPort: 5678 },
                  { name: 'webhooks', containerPort: 5443 },
                ],
                readinessProbe: {
                  httpGet: { path: '/ready', port: 5681, scheme: 'HTTPS' },
                  periodSeconds: 5,
                },
                livenessProbe: {
                  httpGet: { path: '/ready', port: 5681, scheme: 'HTTPS' },
                  periodSeconds: 10,
                  failureThreshold: 6,
                },
                volumeMounts: [{ name: 'tls', mountPath: tlsDir, readOnly: true }],
                resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
                securityContext: securityContext(),
              },
            ],
            // Readable by the container's group only (fsGroup): the server key is in it.
            volumes: [{ name: 'tls', secret: { secretName, defaultMode: 0o440 } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: cpName, namespace, labels },
      spec: {
        selector: { 'app.kubernetes.io/name': cpName },
        ports: [
          { name: 'api', port: 5681, targetPort: 5681 },
          { name: 'dp-server', port: 5678, targetPort: 5678 },
          { name: 'webhooks', port: 443, targetPort: 5443 },
        ],
      },
    },
  ];
}

/**
 * The zone ingress: its file is a ZoneIngress template whose `{{ name }}` and `{{ address }}`
 * an init container fills from the Pod's name and IP. The advertised address is not in the
 * file: the control plane sets it on the ZoneIngress from this Service.
 */
function zoneIngress(namespace: string, image: string, options: ControlPlaneManifestOptions): Manifest[] {
  const labels = {
    ...partOf,
    'app.kubernetes.io/name': ingressName,
    'app.kubernetes.io/component': 'zone-ingress',
  };
  const template = [
    'type: ZoneIngress',
    "name: '{{ name }}'",
    'networking:',
    "  address: '{{ address }}'",
    '  port: 10001',
    '',
  ].join('\n');
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: ingressName, namespace, labels: partOf },
      data: { 'ingress.yaml': template },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: ingressName, namespace, labels },
      spec: {
        replicas: options.ingressReplicas ?? 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': ingressName } },
        template: {
          metadata: { labels },
          spec: {
            initContainers: [
              {
                name: 'ingress-file',
                image,
                command: [
                  'sh',
                  '-c',
                  'sed -e "s/{{ name }}/$POD_NAME.$POD_NAMESPACE/" -e "s/{{ address }}/$POD_IP/" /etc/zonemesh/ingress.yaml > /var/run/zonemesh/ingress.yaml',
                ],
                env: podEnv(),
                volumeMounts: [
                  { name: 'template', mountPath: '/etc/zonemesh' },
                  { name: 'ingress-file', mountPath: '/var/run/zonemesh' },
                ],
                securityContext: securityContext(),
              },
            ],
            containers: [
              {
                name: 'ingress',
                image,
                command: ['zonemesh-ingress'],
                args: [
                  'run',
                  '--cp-address',
                  `https://${cpName}.${namespace}.svc:5678`,
                  '--ca-cert-file',
                  `${ingressCaDir}/ca.crt`,
                  '--ingress-file',
                  '/var/run/zonemesh/ingress.yaml',
                  '--admin-address',
                  '0.0.0.0:9901',
                  '--token-file',
                  '/var/run/secrets/kubernetes.io/serviceaccount/token',
                ],
                ports: [
                  { name: 'ingress', containerPort: 10001 },
                  { name: 'admin', containerPort: 9901 },
                ],
                readinessProbe: { httpGet: { path: '/ready', port: 9901 }, periodSeconds: 5 },
                volumeMounts: [
                  { name: 'ingress-file', mountPath: '/var/run/zonemesh', readOnly: true },
                  { name: 'cp-ca', mountPath: ingressCaDir, readOnly: true },
                ],
                resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '512Mi' } },
                securityContext: securityContext(),
              },
            ],
            volumes: [
              { name: 'template', configMap: { name: ingressName } },
              { name: 'ingress-file', emptyDir: {} },
              // Only the CA of the control plane's TLS Secret, never its key.
              {
                name: 'cp-ca',
                secret: {
                  secretName: options.tlsSecret ?? controlPlaneTlsSecret,
                  items: [{ key: 'ca.crt', path: 'ca.crt' }],
                },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: ingressName, namespace, labels },
      spec: {
        type: options.ingressServiceType ?? 'LoadBalancer',
        selector: { 'app.kubernetes.io/name': ingressName },
        ports: [{ name: 'ingress', port: 10001, targetPort: 10001 }],
      },
    },
  ];
}

function tlsSecretObject(namespace: string, name: string, certificate: ControlPlaneTlsCertificate): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: partOf },
    type: 'kubernetes.io/tls',
    stringData: {
      'ca.crt': certificate.caPem,
      'tls.crt': certificate.certPem,
      'tls.key': certificate.keyPem,
    },
  };
}

function natsServer(namespace: string, config: string): Manifest[] {
  const labels = { ...partOf, 'app.kubernetes.io/name': natsName };
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: natsName, namespace, labels: partOf },
      data: { 'nats.conf': config },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: natsName, namespace, labels },
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { 'app.kubernetes.io/name': natsName } },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'nats',
                image: 'nats:2.10-alpine',
                args: ['-c', '/etc/nats/nats.conf'],
                ports: [
                  { name: 'client', containerPort: 4222 },
                  { name: 'leafnodes', containerPort: 7422 },
                  { name: 'monitor', containerPort: 8222 },
                ],
                readinessProbe: { httpGet: { path: '/healthz', port: 8222 }, periodSeconds: 5 },
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/nats' },
                  { name: 'jetstream', mountPath: '/data' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: natsName } },
              { name: 'jetstream', emptyDir: {} },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: natsName, namespace, labels },
      spec: {
        selector: { 'app.kubernetes.io/name': natsName },
        ports: [
          { name: 'client', port: 4222, targetPort: 4222 },
          { name: 'leafnodes', port: 7422, targetPort: 7422 },
        ],
      },
    },
  ];
}

/** The hub: JetStream in domain `hub`, clients on 4222, zones' leaf nodes on 7422. */
export function natsHubConfig(): string {
  return [
    'server_name: zonemesh-hub',
    'port: 4222',
    'http_port: 8222',
    'jetstream {',
    '  store_dir: /data',
    '  domain: hub',
    '}',
    'leafnodes {',
    '  port: 7422',
    '}',
    '',
  ].join('\n');
}

/** A zone's leaf node: JetStream in the zone's own domain, connected to the hub's leaf node port. */
export function natsLeafConfig(zone: string, remote: string): string {
  return [
    `server_name: zonemesh-leaf-${zone}`,
    'port: 4222',
    'http_port: 8222',
    'jetstream {',
    '  store_dir: /data',
    `  domain: ${zone}`,
    '}',
    'leafnodes {',
    `  remotes: [ { url: "${remote}" } ]`,
    '}',
    '',
  ].join('\n');
}

function podEnv(): Manifest[] {
  return [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  ];
}

function securityContext(): Manifest {
  return {
    runAsNonRoot: true,
    runAsUser,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
}
