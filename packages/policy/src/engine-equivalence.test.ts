/**
 * Property: the indexed engine answers exactly like the scanning reference (decision, policy and
 * reason, word for word; inbound permission rules) after any sequence of upserts and removes, on random policies built from
 * a small tag alphabet so that wildcards, equal ranks, equal creation times, name ties and every
 * MeshTrafficPermission/MeshHealthCheck kind and origin occur often.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineResource, PolicyEngine, PolicyEngineOptions } from './engine.js';
import { createPolicyEngine } from './indexed-engine.js';
import { createReferencePolicyEngine } from './reference-engine.js';
import type { Tags } from './selector.js';

const keys = ['kuma.io/service', 'version', 'env', 'kuma.io/zone'] as const;
const values = ['a', 'b', 'c'] as const;
const services = ['a', 'b', 'c'] as const;
const names = ['p0', 'p1', 'p2', 'p3', 'aa', 'zz'] as const;
const times = [undefined, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000000001Z', '2024-01-01T00:00:01Z'];

const tags: fc.Arbitrary<Tags> = fc.dictionary(fc.constantFrom(...keys), fc.constantFrom(...values), {
  minKeys: 1,
  maxKeys: 4,
});
const inbound: fc.Arbitrary<Tags> = fc
  .tuple(
    fc.constantFrom(...services),
    fc.dictionary(fc.constantFrom(...keys.slice(1)), fc.constantFrom(...values)),
  )
  .map(([service, extra]) => ({ ...extra, 'kuma.io/service': service }));
const selector: fc.Arbitrary<Tags> = fc.dictionary(
  fc.constantFrom(...keys),
  fc.constantFrom(...values, '*'),
  {
    minKeys: 1,
    maxKeys: 3,
  },
);
const matchList = fc.array(
  selector.map((match) => ({ match })),
  { minLength: 1, maxLength: 2 },
);
const meta = fc.record({
  name: fc.constantFrom(...names),
  creationTime: fc.constantFrom(...times),
  origin: fc.constantFrom(undefined, 'global', 'zone'),
});

type Meta = { name: string; creationTime: string | undefined; origin: string | undefined };

function envelope(type: EngineResource['type'], m: Meta, spec: unknown): EngineResource {
  return {
    type,
    meta: {
      name: m.name,
      mesh: 'default',
      ...(m.creationTime === undefined ? {} : { creationTime: m.creationTime }),
      ...(m.origin === undefined ? {} : { labels: { 'kuma.io/origin': m.origin } }),
    },
    spec,
  };
}

const topTargetRef = fc.oneof(
  fc.constant({ kind: 'Mesh' }),
  fc.constant({ kind: 'Mesh', proxyTypes: ['Gateway'] }),
  fc.record({
    kind: fc.constant('MeshSubset'),
    tags: fc.dictionary(fc.constantFrom(...keys), fc.constantFrom(...values, '*'), { maxKeys: 2 }),
  }),
  fc.record({ kind: fc.constant('MeshService'), name: fc.constantFrom(...services) }),
  fc.record({
    kind: fc.constant('MeshServiceSubset'),
    name: fc.constantFrom(...services),
    tags: fc.dictionary(fc.constantFrom(...keys.slice(1)), fc.constantFrom(...values, '*'), { maxKeys: 2 }),
  }),
  fc.constant({ kind: 'Dataplane', name: 'dp-1' }),
);
const fromTargetRef = fc.oneof(
  fc.constant({ kind: 'Mesh' }),
  fc.record({
    kind: fc.constant('MeshSubset'),
    tags: fc.dictionary(fc.constantFrom(...keys), fc.constantFrom(...values), { maxKeys: 2 }),
  }),
  fc.record({ kind: fc.constant('MeshService'), name: fc.constantFrom(...services) }),
  fc.record({
    kind: fc.constant('MeshServiceSubset'),
    name: fc.constantFrom(...services),
    tags: fc.dictionary(fc.constantFrom(...keys.slice(1)), fc.constantFrom(...values, '*'), { maxKeys: 2 }),
  }),
);
const toTargetRef = fc.oneof(
  fc.constant({ kind: 'Mesh' }),
  fc.record({ kind: fc.constant('MeshService'), name: fc.constantFrom(...services) }),
);
const healthCheckDefault = fc.record(
  {
    interval: fc.constantFrom('1s', '5s'),
    http: fc.oneof(
      fc.constant(null),
      fc.record({ disabled: fc.boolean(), path: fc.constantFrom('/', '/health') }),
    ),
    tcp: fc.oneof(fc.constant(null), fc.constant({}), fc.record({ disabled: fc.boolean() })),
    grpc: fc.record({ disabled: fc.boolean() }),
  },
  { requiredKeys: ['interval'] },
);

const legacyPolicy: fc.Arbitrary<EngineResource> = fc
  .tuple(fc.constantFrom('TrafficPermission', 'HealthCheck', 'TrafficRoute'), meta, matchList, matchList)
  .map(([type, m, sources, destinations]) =>
    envelope(type, m, { sources, destinations, conf: { by: m.name } }),
  );

const anyPolicy: fc.Arbitrary<EngineResource> = fc.oneof(
  legacyPolicy,
  fc
    .tuple(
      meta,
      topTargetRef,
      fc.array(
        fc.record({
          targetRef: fromTargetRef,
          default: fc.record({ action: fc.constantFrom('Allow', 'Deny', 'AllowWithShadowDeny') }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    )
    .map(([m, targetRef, from]) => envelope('MeshTrafficPermission', m, { targetRef, from })),
  fc
    .tuple(
      meta,
      topTargetRef,
      fc.array(fc.record({ targetRef: toTargetRef, default: healthCheckDefault }), {
        minLength: 1,
        maxLength: 2,
      }),
    )
    .map(([m, targetRef, to]) => envelope('MeshHealthCheck', m, { targetRef, to })),
);

type Operation = { upsert: EngineResource } | { remove: [EngineResource['type'], string] };

const removal: fc.Arbitrary<Operation> = fc
  .tuple(
    fc.constantFrom(
      'TrafficPermission',
      'HealthCheck',
      'TrafficRoute',
      'MeshTrafficPermission',
      'MeshHealthCheck',
    ),
    fc.constantFrom(...names),
  )
  .map((target) => ({ remove: target }));

/** Upserts (mostly) and removals of the given policies. */
const operations = (policy: fc.Arbitrary<EngineResource>): fc.Arbitrary<Operation[]> =>
  fc.array(
    fc.oneof(
      { weight: 4, arbitrary: policy.map((resource): Operation => ({ upsert: resource })) },
      { weight: 1, arbitrary: removal },
    ),
    { minLength: 1, maxLength: 14 },
  );

const query = fc.record({
  source: fc.oneof(inbound, fc.array(inbound, { minLength: 1, maxLength: 2 })),
  destination: fc.oneof(inbound, tags),
  service: fc.constantFrom(...services),
});

/** Every answer of an engine for one query. */
function answers(engine: PolicyEngine, q: QueryValue): unknown {
  return {
    traffic: engine.decideTraffic({ source: q.source, destination: q.destination }),
    permissions: engine.inboundPermissions(q.destination),
    healthCheck: engine.selectHealthCheck(q.source, q.service),
    trafficRoute: engine.selectTrafficRoute(q.source, q.service),
    meshHealthCheck: engine.resolveMeshHealthCheck(q.source, q.destination),
  };
}

type QueryValue = { source: Tags | Tags[]; destination: Tags; service: string };

type CreateEngine = (options: PolicyEngineOptions) => PolicyEngine;

/** The property, for a candidate engine against the reference. */
function agreesWithReference(create: CreateEngine, policy: fc.Arbitrary<EngineResource>) {
  return fc.property(
    operations(policy),
    fc.array(query, { minLength: 1, maxLength: 4 }),
    (operations, queries) => {
      const candidate = create({ mesh: 'default' });
      const reference = createReferencePolicyEngine({ mesh: 'default' });
      const actual: unknown[] = [];
      const expected: unknown[] = [];
      for (const op of operations) {
        if ('upsert' in op) {
          actual.push(candidate.upsert(op.upsert));
          expected.push(reference.upsert(op.upsert));
        } else {
          actual.push(candidate.remove(...op.remove));
          expected.push(reference.remove(...op.remove));
        }
        for (const q of queries) {
          actual.push(answers(candidate, q));
          expected.push(answers(reference, q));
        }
      }
      expect(actual).toEqual(expected);
    },
  );
}

/** An engine that loses one input on the way in: the property must notice. */
function losing(strip: (resource: EngineResource) => EngineResource): CreateEngine {
  return (options) => {
    const engine = createPolicyEngine(options);
    return { ...engine, upsert: (resource) => engine.upsert(strip(resource)) };
  };
}

describe('indexed engine = reference engine', () => {
  it('agrees on random policies of every kind, updates and removals', () => {
    expect(() =>
      fc.assert(agreesWithReference(createPolicyEngine, anyPolicy), { numRuns: 300 }),
    ).not.toThrow();
  });

  it('agrees on random old-style policies only (every TrafficPermission decision reached)', () => {
    expect(() =>
      fc.assert(agreesWithReference(createPolicyEngine, legacyPolicy), { numRuns: 300 }),
    ).not.toThrow();
  });

  it.each([
    ['creation times', (r: EngineResource) => ({ ...r, meta: { name: r.meta.name, mesh: 'default' } })],
    ['origin labels', (r: EngineResource) => ({ ...r, meta: { ...r.meta, labels: {} } })],
  ])('notices an engine that loses %s (the generators reach those cases)', (_, strip) => {
    const result = fc.check(agreesWithReference(losing(strip), anyPolicy), { numRuns: 1000 });
    expect(result.failed).toBe(true);
  });
});
