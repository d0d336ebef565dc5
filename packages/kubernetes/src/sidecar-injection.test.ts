import { describe, expect, it } from 'vitest';
import { type SidecarInjectionOptions, sidecarPatch } from './sidecar-injection.js';

const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const base: SidecarInjectionOptions = {
  image: 'zonemesh/zonemesh:test',
  cpAddress: 'https://zonemesh-control-plane.zonemesh-system.svc:5678',
  zone: 'zone-k',
  namespaceOf: () => undefined,
  servicesOf: () => [],
};
const pod = { metadata: { name: 'web-1', namespace: 'shop' }, spec: { containers: [{ name: 'app' }] } };

interface Added {
  path: string;
  value: { args?: string[] } & Record<string, string>;
}

function patchOf(options: SidecarInjectionOptions): Added[] {
  return sidecarPatch(pod, 'shop', options) as Added[];
}

describe('sidecarPatch', () => {
  it('gives the sidecar the control plane CA as --ca-cert-file, from an annotation beside the Dataplane file', () => {
    const patch = patchOf({ ...base, caPem });
    const container = patch.find((operation) => operation.path === '/spec/containers/-')?.value;
    expect(container?.args?.slice(-2)).toEqual(['--ca-cert-file', '/var/run/zonemesh/ca.crt']);
    expect(container?.args?.slice(1, 3)).toEqual([
      '--cp-address',
      'https://zonemesh-control-plane.zonemesh-system.svc:5678',
    ]);
    const volumes = patch.find((operation) => operation.path === '/spec/volumes')?.value as unknown as Array<{
      downwardAPI: { items: unknown[] };
    }>;
    expect(volumes[0]?.downwardAPI.items).toContainEqual({
      path: 'ca.crt',
      fieldRef: { fieldPath: "metadata.annotations['zonemesh.io/cp-ca']" },
    });
    const annotations = patch.find((operation) => operation.path === '/metadata/annotations')?.value;
    expect(annotations?.['zonemesh.io/cp-ca']).toBe(caPem);
  });

  it('without a CA the sidecar uses the system roots: no flag, no annotation', () => {
    const patch = patchOf(base);
    const container = patch.find((operation) => operation.path === '/spec/containers/-')?.value;
    expect(container?.args).not.toContain('--ca-cert-file');
    const annotations = patch.find((operation) => operation.path === '/metadata/annotations')?.value;
    expect(annotations).not.toHaveProperty(['zonemesh.io/cp-ca']);
  });
});
