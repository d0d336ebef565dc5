/**
 * The Helm chart (deploy/helm/zonemesh) and `zmctl install control-plane` make the same objects.
 * Helm is not installed here, so the chart is read as text: every object the manifests have (but
 * the Namespace, which Helm creates, and the CRDs, which live in the chart's crds/) is a document
 * of its templates with the same kind and name, and the control plane gets the same flags.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { controlPlaneManifests, type Manifest } from './manifests/control-plane-manifests.js';

const chart = fileURLToPath(new URL('../../../deploy/helm/zonemesh/', import.meta.url));
const templates = readdirSync(join(chart, 'templates'))
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => readFileSync(join(chart, 'templates', name), 'utf8'));

const chartObjects = new Set(
  templates.flatMap((text) =>
    text.split(/^---$/m).flatMap((document) => {
      const kind = /^kind: (\S+)/m.exec(document)?.[1];
      const name = /^ {2}name: (\S+)/m.exec(document)?.[1];
      return kind === undefined || name === undefined ? [] : [`${kind}/${name}`];
    }),
  ),
);

function objectsOf(manifests: Manifest[]): string[] {
  return manifests
    .filter((object) => object.kind !== 'Namespace' && object.kind !== 'CustomResourceDefinition')
    .map((object) => `${String(object.kind)}/${String((object.metadata as { name: string }).name)}`);
}

describe('Helm chart', () => {
  it.each([
    ['global with the NATS hub', { mode: 'global' as const }],
    [
      'zone with a leaf node',
      { mode: 'zone' as const, zone: 'zone-1', natsLeafRemote: 'nats-leaf://hub:7422' },
    ],
    [
      'zone with its TLS Secret',
      { mode: 'zone' as const, tlsCertificate: { caPem: 'ca', certPem: 'cert', keyPem: 'key' } },
    ],
  ])('has every object of zmctl install for a %s', (_, options) => {
    const expected = objectsOf(controlPlaneManifests({ ...options, version: '0.1.0' }));
    expect(expected.filter((object) => !chartObjects.has(object))).toEqual([]);
  });

  it('passes the control plane the same flags', () => {
    const manifests = controlPlaneManifests({
      mode: 'zone',
      zone: 'zone-1',
      natsLeafRemote: 'nats-leaf://hub:7422',
      version: '0.1.0',
    });
    const deployment = manifests.find(
      (object) =>
        object.kind === 'Deployment' &&
        (object.metadata as { name: string }).name === 'zonemesh-control-plane',
    ) as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
    const flags = (deployment.spec.template.spec.containers[0]?.args ?? []).filter((arg) =>
      arg.startsWith('--'),
    );
    const controlPlaneTemplate = readFileSync(join(chart, 'templates', 'control-plane.yaml'), 'utf8');
    expect(flags.filter((flag) => !controlPlaneTemplate.includes(`- ${flag}\n`))).toEqual([]);
  });

  it('turns TLS on as zmctl install does: HTTPS probes and addresses, the CA for the ingress', () => {
    const controlPlaneTemplate = readFileSync(join(chart, 'templates', 'control-plane.yaml'), 'utf8');
    const ingressTemplate = readFileSync(join(chart, 'templates', 'zone-ingress.yaml'), 'utf8');
    expect(controlPlaneTemplate.match(/scheme: HTTPS/g)).toHaveLength(2);
    expect(controlPlaneTemplate).toContain('mountPath: /var/run/zonemesh/tls');
    expect(ingressTemplate).toContain('- https://zonemesh-control-plane.{{ .Release.Namespace }}.svc:5678\n');
    expect(ingressTemplate).toContain('- --ca-cert-file\n            - /var/run/zonemesh-ca/ca.crt\n');
  });
});
