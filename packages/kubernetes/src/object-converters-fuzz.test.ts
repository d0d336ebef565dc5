/**
 * Property tests of the converters from Kubernetes objects to zonemesh's (what users and the API
 * server hand the control plane): Pods, Namespaces and Services to Dataplanes (with the
 * `zonemesh.io/outbounds` annotation), ingress Services to advertised addresses, stored kuma.io
 * objects to resources, and admission requests (validation and sidecar injection). Objects are
 * generated with Kubernetes' field types and random values (names, labels, annotations, ports,
 * phases), and admission requests as the API server's schema allows them with anything inside
 * `object`. Converters never throw and never hang; a Dataplane they derive is valid; an admission
 * answer is an allow or a denial with a reason. Iterations: `ZONEMESH_FUZZ_RUNS` (default 300).
 */
import { resourceTypes, validateResource } from '@zonemesh/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdmissionRequestSchema } from './admission-review.js';
import type { KubeObject } from './kube-client.js';
import { toResource } from './kubernetes-store.js';
import { admitResource } from './resource-admission.js';
import { injectSidecar } from './sidecar-injection.js';
import { dataplaneForPod, outboundsForPod } from './workload-dataplane.js';
import { advertisedAddressOf } from './zone-ingress-controller.js';

const runs = Number(process.env.ZONEMESH_FUZZ_RUNS ?? 300);

const name = fc.oneof(
  fc.constantFrom('web', 'backend', 'shop', 'default', 'kuma-system', 'a.b', ''),
  fc.string({ maxLength: 20 }),
);
const labels = fc.dictionary(
  fc.oneof(
    fc.constantFrom('app', 'version', 'kuma.io/mesh', 'kuma.io/sidecar-injection', 'kuma.io/service'),
    fc.string({ maxLength: 12 }),
  ),
  fc.oneof(fc.constantFrom('web', 'enabled', 'disabled', 'v1', ''), fc.string({ maxLength: 12 })),
  { maxKeys: 5 },
);
const annotations = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'zonemesh.io/outbounds',
      'kuma.io/mesh',
      'kuma.io/ingress-public-address',
      'kuma.io/ingress-public-port',
    ),
    fc.string({ maxLength: 12 }),
  ),
  fc.oneof(
    fc.constantFrom('backend=8080', 'a=1,b=65535,c=0,d=70000', ' x = 12 ', '=,=', '10.0.0.1', '80', '-1'),
    fc.string({ maxLength: 30 }),
  ),
  { maxKeys: 4 },
);
const port = fc.oneof(fc.integer({ min: -5, max: 70_000 }), fc.constantFrom(0, 1, 80, 65_535));
const metadata = fc.record(
  { name, namespace: name, labels, annotations, deletionTimestamp: fc.constant('2026-11-25T00:00:00Z') },
  { requiredKeys: [] },
);
const pod: fc.Arbitrary<KubeObject> = fc.record(
  {
    metadata,
    spec: fc.record(
      {
        nodeName: name,
        serviceAccountName: name,
        containers: fc.array(
          fc.record(
            {
              name,
              ports: fc.array(fc.record({ name, containerPort: port }, { requiredKeys: [] }), {
                maxLength: 3,
              }),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: [] },
    ),
    status: fc.record(
      {
        phase: fc.constantFrom('Running', 'Pending', 'Failed'),
        podIP: fc.oneof(fc.constantFrom('10.0.0.7', '::1', ''), fc.string({ maxLength: 15 })),
        conditions: fc.array(
          fc.record({
            type: fc.constantFrom('Ready', 'Initialized'),
            status: fc.constantFrom('True', 'False'),
          }),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);
const service: fc.Arbitrary<KubeObject> = fc.record(
  {
    metadata,
    spec: fc.record(
      {
        type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'),
        selector: labels,
        ports: fc.array(
          fc.record(
            {
              name,
              port,
              nodePort: port,
              targetPort: fc.oneof(port, name),
              appProtocol: fc.oneof(
                fc.constantFrom('http', 'grpc', 'kubernetes.io/h2c', 'HTTP2'),
                fc.string({ maxLength: 8 }),
              ),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: [] },
    ),
    status: fc.record({
      loadBalancer: fc.record({
        ingress: fc.array(fc.record({ ip: name, hostname: name }, { requiredKeys: [] }), { maxLength: 2 }),
      }),
    }),
  },
  { requiredKeys: [] },
);
const node: fc.Arbitrary<KubeObject> = fc.record({
  metadata: fc.record({ name }),
  status: fc.record({
    addresses: fc.array(
      fc.record({ type: fc.constantFrom('InternalIP', 'ExternalIP', 'Hostname'), address: name }),
      { maxLength: 3 },
    ),
  }),
});

/**
 * A Pod that is in the mesh and serving, with Services selecting it: random values where they
 * matter for the Dataplane (labels, annotations, ports, port names, protocols, the IP), so the
 * conversion itself runs, not only its early refusals.
 */
const mostly = <T>(good: fc.Arbitrary<T>, any: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ arbitrary: good, weight: 5 }, { arbitrary: any, weight: 1 });
const goodName = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
const goodPort = fc.integer({ min: 1, max: 65_535 });

const meshedWorkload = fc
  .record({
    labels,
    annotations,
    podIP: mostly(fc.constantFrom('10.0.0.7', 'fd00::7'), fc.string({ maxLength: 15 })),
    containerPorts: fc.array(
      fc.record({ name: mostly(goodName, name), containerPort: mostly(goodPort, port) }),
      {
        maxLength: 3,
      },
    ),
    services: fc.array(
      fc.record({
        name: mostly(goodName, name),
        ports: fc.array(
          fc.record(
            {
              name: mostly(goodName, name),
              port: mostly(goodPort, port),
              targetPort: mostly(goodPort, fc.oneof(port, name)),
              appProtocol: fc.oneof(
                fc.constantFrom('http', 'grpc', 'kubernetes.io/h2c'),
                fc.string({ maxLength: 8 }),
              ),
            },
            { requiredKeys: ['port'] },
          ),
          { minLength: 1, maxLength: 3 },
        ),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map((w) => {
    const podLabels = { ...w.labels, app: 'subject' };
    return {
      pod: {
        metadata: { name: 'subject-1', namespace: 'shop', labels: podLabels, annotations: w.annotations },
        spec: { containers: [{ name: 'app', ports: w.containerPorts }] },
        status: { phase: 'Running', podIP: w.podIP, conditions: [{ type: 'Ready', status: 'True' }] },
      } as KubeObject,
      namespace: {
        metadata: { name: 'shop', labels: { 'kuma.io/sidecar-injection': 'enabled' } },
      } as KubeObject,
      services: w.services.map(
        (svc) =>
          ({
            metadata: { name: svc.name, namespace: 'shop' },
            spec: { selector: { app: 'subject' }, ports: svc.ports },
          }) as KubeObject,
      ),
    };
  });

/** Fails the property (with a message fast-check reports beside its counterexample). */
function must(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

function quick<T>(run: () => T): T {
  const started = performance.now();
  const result = run();
  must(performance.now() - started < 500, 'took over 500 ms');
  return result;
}

/** A derived Dataplane must be valid; a refusal must say why. */
function mustBeSound(outcome: ReturnType<typeof dataplaneForPod>): boolean {
  if (outcome.kind === 'none') {
    must(outcome.reason.length > 0, 'no Dataplane and no reason');
    return false;
  }
  const errors = validateResource(outcome.resource);
  must(errors.length === 0, `derived an invalid Dataplane: ${JSON.stringify(errors)}`);
  return true;
}

describe('Kubernetes object converters under random input', () => {
  it('derive a valid Dataplane from a meshed, serving Pod with random labels, ports and annotations, or say why not', () => {
    let derived = 0;
    const property = fc.property(
      meshedWorkload,
      fc.option(fc.constantFrom('zone-1', 'z'), { nil: undefined }),
      (workload, zone) => {
        if (mustBeSound(quick(() => dataplaneForPod({ ...workload, zone })))) derived++;
      },
    );
    expect(() => fc.assert(property, { numRuns: runs })).not.toThrow();
    // The property above is about conversions, not refusals: most inputs must convert.
    expect(derived).toBeGreaterThan(runs / 10);
  });

  it('derive a valid Dataplane from any Pod, or say why there is none', () => {
    const property = fc.property(
      pod,
      fc.option(fc.record({ metadata: fc.record({ name, labels }) }), { nil: undefined }),
      fc.array(service, { maxLength: 3 }),
      fc.option(fc.constantFrom('zone-1', 'z'), { nil: undefined }),
      (subject, namespace, services, zone) => {
        mustBeSound(quick(() => dataplaneForPod({ pod: subject, namespace, services, zone })));
        for (const outbound of outboundsForPod(subject)) {
          must(outbound.port >= 1 && outbound.port <= 65_535, `outbound port ${outbound.port}`);
        }
      },
    );
    expect(() => fc.assert(property, { numRuns: runs })).not.toThrow();
  });

  it('find an ingress address from its Service, Pod and Nodes, or say why not', () => {
    const property = fc.property(
      service,
      pod,
      fc.array(node, { maxLength: 3 }),
      (ingress, subject, nodes) => {
        const address = quick(() => advertisedAddressOf(ingress, subject, nodes));
        must(
          address.kind === 'found'
            ? typeof address.address === 'string' && Number.isInteger(address.port)
            : address.reason.length > 0,
          `an unsound answer: ${JSON.stringify(address)}`,
        );
      },
    );
    expect(() => fc.assert(property, { numRuns: runs })).not.toThrow();
  });

  it('read any stored object as a resource', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...resourceTypes),
        fc.record(
          { metadata, mesh: fc.anything({ maxDepth: 1 }), spec: fc.anything({ maxDepth: 3 }) },
          { requiredKeys: [] },
        ),
        (type, object) => {
          const resource = quick(() => toResource(type, object as KubeObject));
          expect(resource.type).toBe(type);
          expect(typeof resource.meta.name).toBe('string');
        },
      ),
      { numRuns: runs },
    );
  });

  it('answer every admission request the API server can send with an allow or a reasoned denial', () => {
    const request = fc.record({
      uid: fc.constant('uid-1'),
      kind: fc.record({
        group: fc.constantFrom('', 'kuma.io'),
        version: fc.constantFrom('v1', 'v1alpha1'),
        kind: name,
      }),
      resource: fc.record({
        group: fc.constantFrom('', 'kuma.io', 'apps'),
        version: fc.constantFrom('v1', 'v1alpha1'),
        resource: fc.constantFrom(
          'pods',
          'meshes',
          'trafficpermissions',
          'dataplanes',
          'meshtrafficpermissions',
          'zones',
          'services',
        ),
      }),
      namespace: name,
      operation: fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT'),
      userInfo: fc.record({ username: name }),
      object: fc.oneof(
        fc.constant(null),
        pod,
        fc.record({ mesh: name, metadata, spec: fc.anything({ maxDepth: 3 }) }, { requiredKeys: [] }),
        fc.dictionary(fc.string({ maxLength: 8 }), fc.anything({ maxDepth: 3 }), { maxKeys: 4 }),
      ),
    });
    const modes = fc.constantFrom('global', 'zone') as fc.Arbitrary<'global' | 'zone'>;
    const property = fc.property(request, modes, fc.boolean(), (raw, mode, federated) => {
      const parsed = AdmissionRequestSchema.parse(raw);
      const admitted = quick(() =>
        admitResource(parsed, { mode, federated, trustedUsers: ['system:serviceaccount:x:cp'] }),
      );
      must(admitted.allowed || (admitted.status?.message.length ?? 0) > 0, 'a denial without a reason');
      const injected = quick(() =>
        injectSidecar(parsed, {
          image: 'zonemesh/zonemesh:test',
          cpAddress: 'http://cp:5678',
          zone: 'zone-1',
          namespaceOf: (namespace) => ({
            metadata: { name: namespace, labels: { 'kuma.io/sidecar-injection': 'enabled' } },
          }),
          servicesOf: () => [],
        }),
      );
      must(injected.uid === 'uid-1', 'an answer for another request');
      if (injected.patch !== undefined) JSON.parse(Buffer.from(injected.patch, 'base64').toString());
    });
    expect(() => fc.assert(property, { numRuns: runs })).not.toThrow();
  });
});
