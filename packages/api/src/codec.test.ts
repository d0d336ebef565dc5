/**
 * One suite run by both codecs (Universal, Kubernetes): encode, decode, compare. Run over a sample
 * of every kind and, when the shared corpus is present, over every valid resource in it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { decodeDocuments } from './document-reader.js';
import { MeshError } from './errors.js';
import { toKubernetes } from './kubernetes-form.js';
import { decodeResource, maxDocumentBytes, validateResource } from './resource-decoder.js';
import type { NewResource } from './resource.js';
import { toUniversal } from './universal-form.js';

const samples: Record<string, unknown>[] = [
  {
    type: 'Mesh',
    name: 'default',
    mtls: {
      enabledBackend: 'ca-1',
      backends: [
        { name: 'ca-1', type: 'builtin', mode: 'STRICT', dpCert: { rotation: { expiration: '1d' } } },
      ],
    },
  },
  {
    type: 'Dataplane',
    mesh: 'default',
    name: 'web-1',
    labels: { 'kuma.io/zone': 'zone-1' },
    networking: {
      address: '10.0.0.5',
      inbound: [
        { port: 8080, servicePort: 80, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } },
      ],
      outbound: [{ port: 10001, tags: { 'kuma.io/service': 'backend' } }],
    },
  },
  {
    type: 'ZoneIngress',
    name: 'zi-1',
    zone: 'zone-1',
    networking: { address: '10.0.0.1', port: 10001, advertisedAddress: '192.0.2.1', advertisedPort: 10001 },
    availableServices: [{ tags: { 'kuma.io/service': 'backend' }, instances: 2, mesh: 'default' }],
  },
  { type: 'Zone', name: 'zone-1', enabled: true, creationTime: '2024-05-01T10:00:00.123456789Z' },
  {
    type: 'TrafficPermission',
    mesh: 'default',
    name: 'web-to-backend',
    sources: [{ match: { 'kuma.io/service': 'web' } }],
    destinations: [{ match: { 'kuma.io/service': 'backend', version: '*' } }],
  },
  {
    type: 'HealthCheck',
    mesh: 'default',
    name: 'hc',
    sources: [{ match: { 'kuma.io/service': '*' } }],
    destinations: [{ match: { 'kuma.io/service': 'backend' } }],
    conf: {
      interval: '10s',
      timeout: '2s',
      unhealthyThreshold: 3,
      healthyThreshold: 1,
      http: { path: '/health' },
    },
  },
  {
    type: 'TrafficRoute',
    mesh: 'default',
    name: 'split',
    sources: [{ match: { 'kuma.io/service': 'web' } }],
    destinations: [{ match: { 'kuma.io/service': 'backend' } }],
    conf: {
      split: [
        { weight: 90, destination: { 'kuma.io/service': 'backend', version: 'v1' } },
        { weight: 10, destination: { 'kuma.io/service': 'backend', version: 'v2' } },
      ],
      loadBalancer: { roundRobin: {} },
    },
  },
  {
    type: 'MeshTrafficPermission',
    mesh: 'default',
    name: 'allow-web',
    labels: { 'kuma.io/origin': 'global' },
    spec: {
      targetRef: { kind: 'MeshService', name: 'backend' },
      from: [
        {
          targetRef: { kind: 'MeshSubset', tags: { 'kuma.io/zone': 'zone-1' } },
          default: { action: 'Allow' },
        },
      ],
    },
  },
  {
    type: 'MeshHealthCheck',
    mesh: 'default',
    name: 'mhc',
    spec: {
      targetRef: { kind: 'Mesh' },
      to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { interval: '5s', tcp: {} } }],
    },
  },
];

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const corpusDir = join(repoRoot, '..', 'shared', 'conformance', 'kuma');
const corpusResources: NewResource[] = existsSync(corpusDir)
  ? readdirSync(corpusDir)
      .filter((file) => file.endsWith('.yaml'))
      .sort()
      .flatMap((file) => decodeDocuments(readFileSync(join(corpusDir, file), 'utf8')))
      .flatMap((doc) => (doc.resource === undefined ? [] : [doc.resource]))
  : [];

const codecs = [
  { name: 'Universal', encode: toUniversal },
  { name: 'Kubernetes', encode: toKubernetes },
] as const;

describe.each(codecs)('$name codec', ({ encode }) => {
  const resources = samples.map((sample) => decodeResource(sample));

  it('decodes every sample kind', () => {
    expect(resources.map((resource) => resource.type)).toEqual(samples.map((sample) => sample.type));
  });

  it.each(resources.map((resource) => [resource.type, resource] as const))(
    'round-trips a %s',
    (_, resource) => {
      expect(decodeResource(encode(resource))).toEqual(resource);
    },
  );

  it('round-trips through YAML and JSON text', () => {
    const yaml = resources.map((resource) => stringify(encode(resource))).join('---\n');
    expect(decodeDocuments(yaml).map((doc) => doc.resource)).toEqual(resources);
    const json = JSON.stringify(resources.map(encode));
    expect(decodeDocuments(json).map((doc) => doc.resource)).toEqual(resources);
  });

  it.skipIf(corpusResources.length === 0)(
    'round-trips every valid resource of the shared corpus (skipped without ../shared/conformance/kuma)',
    () => {
      expect(corpusResources.length).toBeGreaterThan(50);
      for (const resource of corpusResources) expect(decodeResource(encode(resource))).toEqual(resource);
    },
  );

  it('does not share the spec with the resource it encodes', () => {
    const resource = resources[0] as NewResource;
    const encoded = encode(resource);
    const spec = (encoded.spec ?? encoded) as { mtls?: { enabledBackend?: string } };
    if (spec.mtls !== undefined) spec.mtls.enabledBackend = 'changed';
    expect((resource.spec as { mtls: { enabledBackend: string } }).mtls.enabledBackend).toBe('ca-1');
  });
});

describe('Universal form', () => {
  it('keeps inline kinds flat and nests targetRef kinds under spec', () => {
    const tp = toUniversal(decodeResource(samples[4]));
    expect(Object.keys(tp)).toEqual(['type', 'mesh', 'name', 'sources', 'destinations']);
    const mtp = toUniversal(decodeResource(samples[7]));
    expect(Object.keys(mtp)).toEqual(['type', 'mesh', 'name', 'labels', 'spec']);
  });

  it('keeps a creationTime given in the document, verbatim', () => {
    const zone = decodeResource(samples[3]);
    expect(zone.meta.creationTime).toBe('2024-05-01T10:00:00.123456789Z');
    expect(toUniversal(zone).creationTime).toBe('2024-05-01T10:00:00.123456789Z');
  });

  it('prints stored metadata of a Resource', () => {
    const stored = {
      type: 'Zone' as const,
      meta: {
        name: 'zone-1',
        labels: {},
        creationTime: '2024-01-01T00:00:00Z',
        modificationTime: '2024-01-02T00:00:00Z',
        version: '7',
      },
      spec: {},
    };
    expect(toUniversal(stored)).toEqual({
      type: 'Zone',
      name: 'zone-1',
      creationTime: '2024-01-01T00:00:00Z',
      modificationTime: '2024-01-02T00:00:00Z',
      labels: {},
    });
  });

  it('drops unknown keys and reads protobuf field names', () => {
    const resource = decodeResource({
      ...samples[5],
      kri: 'ignored',
      conf: {
        interval: '1s',
        timeout: '1s',
        unhealthy_threshold: 2,
        healthy_threshold: 1,
        reuse_connection: true,
      },
    });
    expect(resource.spec).toEqual({
      sources: [{ match: { 'kuma.io/service': '*' } }],
      destinations: [{ match: { 'kuma.io/service': 'backend' } }],
      conf: {
        interval: '1s',
        timeout: '1s',
        unhealthyThreshold: 2,
        healthyThreshold: 1,
        reuseConnection: true,
      },
    });
  });

  it('reads null as unset', () => {
    const resource = decodeResource({ type: 'Mesh', name: 'm', mtls: null, metrics: null });
    expect(resource.spec).toEqual({});
  });

  it('ignores a mesh given to a global-scoped kind', () => {
    expect(decodeResource({ type: 'Zone', name: 'z', mesh: 'default' }).meta).toEqual({ name: 'z' });
  });
});

describe('Kubernetes form', () => {
  it('puts the mesh at top level and the spec under spec', () => {
    const encoded = toKubernetes(decodeResource(samples[4]));
    expect(encoded).toMatchObject({
      apiVersion: 'kuma.io/v1alpha1',
      kind: 'TrafficPermission',
      mesh: 'default',
      metadata: { name: 'web-to-backend' },
      spec: { sources: [{ match: { 'kuma.io/service': 'web' } }] },
    });
  });

  it('takes the mesh from the kuma.io/mesh label, else "default"', () => {
    const doc = {
      apiVersion: 'kuma.io/v1alpha1',
      kind: 'MeshHealthCheck',
      metadata: { name: 'mhc', labels: { 'kuma.io/mesh': 'payments' } },
      spec: { to: [{ targetRef: { kind: 'Mesh' }, default: { grpc: {} } }] },
    };
    expect(decodeResource(doc).meta.mesh).toBe('payments');
    expect(decodeResource({ ...doc, metadata: { name: 'mhc' } }).meta.mesh).toBe('default');
    expect(decodeResource({ ...doc, mesh: 'top' }).meta.mesh).toBe('top');
  });

  it('reads creationTimestamp as the creation time', () => {
    const zone = decodeResource({
      apiVersion: 'kuma.io/v1alpha1',
      kind: 'Zone',
      metadata: { name: 'z', creationTimestamp: '2024-03-01T00:00:00Z' },
      spec: {},
    });
    expect(zone.meta).toEqual({ name: 'z', creationTime: '2024-03-01T00:00:00Z' });
  });

  it('refuses another API version', () => {
    expect(() => decodeResource({ apiVersion: 'v1', kind: 'Zone', metadata: { name: 'z' } })).toThrow(
      expect.objectContaining({
        code: 'InvalidInput',
        causes: [{ field: 'apiVersion', message: 'must be kuma.io/v1alpha1' }],
      }),
    );
  });
});

describe('decodeResource refusals', () => {
  it('throws InvalidInput with every cause', () => {
    let thrown: unknown;
    try {
      decodeResource({ type: 'TrafficPermission', name: 'Bad_Name', mesh: 'default' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(MeshError);
    expect(thrown).toMatchObject({
      code: 'InvalidInput',
      message: 'TrafficPermission "Bad_Name" is invalid: 3 problems found',
      causes: [
        {
          field: 'name',
          message:
            "invalid characters. A lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        },
        { field: 'sources', message: 'must have at least one element' },
        { field: 'destinations', message: 'must have at least one element' },
      ],
    });
  });

  it('throws UnsupportedKind naming the supported kinds', () => {
    expect(() => decodeResource({ type: 'MeshTimeout', name: 't', mesh: 'default' })).toThrow(
      expect.objectContaining({
        code: 'UnsupportedKind',
        message: expect.stringContaining('supported kinds: Mesh,'),
      }),
    );
  });

  it('throws TooLarge over 512 KiB', () => {
    const huge = { type: 'Mesh', name: 'm', metrics: { blob: 'x'.repeat(maxDocumentBytes) } };
    expect(() => decodeResource(huge)).toThrow(expect.objectContaining({ code: 'TooLarge' }));
  });

  it('requires a type, a name and, for mesh-scoped kinds, a mesh', () => {
    expect(() => decodeResource({ name: 'x' })).toThrow(
      expect.objectContaining({ causes: [{ field: 'type', message: 'cannot be empty' }] }),
    );
    expect(() => decodeResource({ type: 'Zone' })).toThrow(
      expect.objectContaining({ causes: [{ field: 'name', message: 'cannot be empty' }] }),
    );
    expect(() => decodeResource({ ...samples[4], mesh: undefined })).toThrow(
      expect.objectContaining({ causes: [{ field: 'mesh', message: 'cannot be empty' }] }),
    );
  });

  it('refuses a bad creationTime and non-string labels', () => {
    expect(() =>
      decodeResource({ type: 'Zone', name: 'z', creationTime: 'yesterday', labels: { a: 1 } }),
    ).toThrow(
      expect.objectContaining({
        causes: [
          { field: 'labels["a"]', message: 'must be a string' },
          { field: 'creationTime', message: 'must be an RFC 3339 timestamp, e.g. 2024-05-01T10:00:00Z' },
        ],
      }),
    );
  });
});

describe('validateResource', () => {
  it('checks meta and spec of a resource built in code', () => {
    expect(validateResource(decodeResource(samples[1]))).toEqual([]);
    expect(
      validateResource({
        type: 'Dataplane',
        meta: { name: 'dp', mesh: '' },
        spec: { networking: { address: '1.2.3.4' } },
      }),
    ).toEqual([
      { field: 'mesh', message: 'cannot be empty' },
      { field: 'networking', message: 'has to contain at least one inbound interface or gateway' },
    ]);
  });
});
