/**
 * `zmctl install control-plane --mode global|zone [--zone NAME] ...`: prints the Kubernetes
 * manifests of a control plane (namespace, CRDs, RBAC, control plane, and per mode the NATS hub,
 * or the zone ingress and a NATS leaf node) for `kubectl apply -f -`. zmctl renders them itself:
 * the same objects the Helm chart in deploy/helm/zonemesh makes, with no Helm needed.
 * TLS is on: each run makes a new CA and certificate for the control plane into the Secret
 * `zonemesh-control-plane-tls`, unless `--tls-secret` names one that exists (re-runs, upgrades).
 */
import { readFileSync } from 'node:fs';
import {
  type ControlPlaneTlsCertificate,
  controlPlaneManifests,
  createControlPlaneTlsCertificate,
  manifestsToYaml,
} from '@zonemesh/kubernetes/manifests';
import { type Command, ExitCode, UsageError } from '../command.js';

/** This zmctl's version (default image tag). */
function version(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const parsed = JSON.parse(text) as { version?: unknown };
  return typeof parsed.version === 'string' ? parsed.version : '0.0.0';
}

function optional(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `zmctl install control-plane`. */
export const installControlPlaneCommand: Command = {
  name: 'install control-plane',
  summary: 'print the Kubernetes manifests of a global or zone control plane',
  synopsis:
    '--mode global|zone [--zone NAME] [--namespace NS] [--image IMAGE] [--store kubernetes|memory] [--nats-url URL | --nats-leaf-remote URL] [--ingress-service-type LoadBalancer|NodePort] [--tls-secret NAME] [--without-crds]',
  description: [
    'Prints the manifests to run a control plane on Kubernetes, for kubectl apply -f -:',
    'the namespace, the kuma.io CRDs, RBAC, the control plane Deployment and Service, and',
    '  global: a NATS hub with JetStream (leaf node port 7422), unless --nats-url names an external NATS;',
    '  zone:   the zone ingress (advertised at its Service address) and, with --nats-leaf-remote,',
    '          a NATS leaf node connected to global (or --nats-url to connect straight to it).',
    'The control plane writes its admission webhook configurations itself at start.',
    'TLS is on: a new CA and certificate for the control plane Service go into the Secret',
    'zonemesh-control-plane-tls (the CA key is not kept); sidecars and the ingress verify with that CA.',
    'Re-running makes a new CA, which breaks running sidecars: pass --tls-secret zonemesh-control-plane-tls',
    'to keep the installed one (or name your own Secret with ca.crt, tls.crt and tls.key).',
  ].join('\n'),
  flags: {
    mode: { type: 'string', valueName: 'global|zone', description: 'which control plane' },
    zone: {
      type: 'string',
      valueName: 'NAME',
      description: "the zone's name (zone mode; required when federated)",
    },
    namespace: { type: 'string', valueName: 'NS', description: 'namespace (default zonemesh-system)' },
    image: { type: 'string', valueName: 'IMAGE', description: 'image with the zonemesh executables' },
    store: {
      type: 'string',
      valueName: 'kubernetes|memory',
      description: 'control plane store (default kubernetes)',
    },
    'nats-url': {
      type: 'string',
      valueName: 'URL',
      description: "global: external NATS; zone: global's NATS",
    },
    'nats-leaf-remote': {
      type: 'string',
      valueName: 'URL',
      description: "zone: run a NATS leaf node connected to global's leaf node URL (nats-leaf://HOST:7422)",
    },
    'ingress-service-type': {
      type: 'string',
      valueName: 'TYPE',
      description: 'zone ingress Service type: LoadBalancer (default) or NodePort',
    },
    'ingress-replicas': { type: 'string', valueName: 'N', description: 'zone ingress replicas (default 1)' },
    'tls-secret': {
      type: 'string',
      valueName: 'NAME',
      description: 'use this existing TLS Secret (ca.crt, tls.crt, tls.key) instead of making one',
    },
    'without-crds': { type: 'boolean', description: 'leave the CRDs out' },
  },
  acceptsArgs: false,
  async run({ flags, io }) {
    const mode = flags.mode;
    if (mode !== 'global' && mode !== 'zone') throw new UsageError('--mode must be global or zone');
    const store = optional(flags.store) ?? 'kubernetes';
    if (store !== 'kubernetes' && store !== 'memory')
      throw new UsageError('--store must be kubernetes or memory');
    const serviceType = optional(flags['ingress-service-type']) ?? 'LoadBalancer';
    if (serviceType !== 'LoadBalancer' && serviceType !== 'NodePort') {
      throw new UsageError('--ingress-service-type must be LoadBalancer or NodePort');
    }
    const replicasText = optional(flags['ingress-replicas']) ?? '1';
    if (!/^[1-9]\d{0,2}$/.test(replicasText))
      throw new UsageError('--ingress-replicas must be a number from 1 to 999');
    const zone = optional(flags.zone);
    if (zone !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(zone)) {
      throw new UsageError('--zone must be a DNS label: lowercase letters, digits and -');
    }
    const namespace = optional(flags.namespace);
    const image = optional(flags.image);
    const natsUrl = optional(flags['nats-url']);
    const natsLeafRemote = optional(flags['nats-leaf-remote']);
    const tlsSecret = optional(flags['tls-secret']);
    if (tlsSecret !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(tlsSecret)) {
      throw new UsageError('--tls-secret must be a Kubernetes object name');
    }
    const tlsCertificate: ControlPlaneTlsCertificate | undefined =
      tlsSecret === undefined
        ? await createControlPlaneTlsCertificate(namespace ?? 'zonemesh-system')
        : undefined;
    let manifests: ReturnType<typeof controlPlaneManifests>;
    try {
      manifests = controlPlaneManifests({
        mode,
        version: version(),
        store,
        ingressServiceType: serviceType,
        ingressReplicas: Number(replicasText),
        withoutCrds: flags['without-crds'] === true,
        ...(zone === undefined ? {} : { zone }),
        ...(namespace === undefined ? {} : { namespace }),
        ...(image === undefined ? {} : { image }),
        ...(natsUrl === undefined ? {} : { natsUrl }),
        ...(natsLeafRemote === undefined ? {} : { natsLeafRemote }),
        ...(tlsSecret === undefined ? {} : { tlsSecret }),
        ...(tlsCertificate === undefined ? {} : { tlsCertificate }),
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    io.out(manifestsToYaml(manifests));
    return ExitCode.ok;
  },
};
