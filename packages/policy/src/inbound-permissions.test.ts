/**
 * Property: for random TrafficPermissions and MeshTrafficPermissions, a random destination inbound
 * and random clients, the sidecar's evaluation of `inboundPermissions` decides exactly as
 * `decideTraffic`, for both engines. Clients carry `kuma.io/service` on every inbound, as every
 * workload certificate does; `from[]` items use only the shapes one tag map can say (see
 * `inbound-permissions.ts`; the others are pinned in the conformance suite).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineResource, PolicyEngine, PolicyEngineOptions } from './engine.js';
import { permissionVerdict } from './inbound-permissions.js';
import { createPolicyEngine } from './indexed-engine.js';
import { createReferencePolicyEngine } from './reference-engine.js';
import type { Tags } from './selector.js';

type CreateEngine = (options: PolicyEngineOptions) => PolicyEngine;

const service = 'kuma.io/service';
const values = ['a', 'b', 'c'] as const;
const otherKeys = ['version', 'env'] as const;
const names = ['p0', 'p1', 'p2', 'aa', 'zz'] as const;
const times = [undefined, '2024-01-01T00:00:00Z', '2024-01-01T00:00:01Z'];

const value = fc.constantFrom(...values);
/** An inbound: `kuma.io/service` and maybe other tags. */
const inbound: fc.Arbitrary<Tags> = fc
  .tuple(value, fc.dictionary(fc.constantFrom(...otherKeys), value))
  .map(([name, extra]) => ({ ...extra, [service]: name }));
/** A selector of old-style policies: `*` anywhere. */
const selector: fc.Arbitrary<Tags> = fc.dictionary(
  fc.constantFrom(service, ...otherKeys),
  fc.constantFrom(...values, '*'),
  { minKeys: 1, maxKeys: 3 },
);
/** Subset tags of a `from[]` item: `*` only for `kuma.io/service`, which every client carries. */
const subsetTags = (withService: fc.Arbitrary<string>): fc.Arbitrary<Tags> =>
  fc
    .tuple(
      fc.dictionary(fc.constantFrom(...otherKeys), value, { maxKeys: 2 }),
      fc.option(withService, { nil: undefined }),
    )
    .map(([tags, tagged]) => (tagged === undefined ? tags : { ...tags, [service]: tagged }));

const topTargetRef = fc.oneof(
  fc.constant({ kind: 'Mesh' }),
  fc.constant({ kind: 'Mesh', proxyTypes: ['Gateway'] }),
  fc.record({
    kind: fc.constant('MeshSubset'),
    tags: fc.dictionary(fc.constantFrom(service, ...otherKeys), fc.constantFrom(...values, '*'), {
      maxKeys: 2,
    }),
  }),
  fc.record({ kind: fc.constant('MeshService'), name: value }),
  fc.record({
    kind: fc.constant('MeshServiceSubset'),
    name: value,
    tags: fc.dictionary(fc.constantFrom(...otherKeys), fc.constantFrom(...values, '*'), { maxKeys: 2 }),
  }),
  fc.constant({ kind: 'Dataplane', name: 'dp-1' }),
);
const fromTargetRef = fc.oneof(
  fc.constant({ kind: 'Mesh' }),
  subsetTags(fc.constantFrom(...values, '*')).map((tags) => ({ kind: 'MeshSubset', tags })),
  fc.record({ kind: fc.constant('MeshService'), name: value }),
  value.chain((name) =>
    subsetTags(fc.constantFrom(name, '*')).map((tags) => ({ kind: 'MeshServiceSubset', name, tags })),
  ),
);

const meta = fc.record({
  name: fc.constantFrom(...names),
  creationTime: fc.constantFrom(...times),
  zoneOrigin: fc.boolean(),
});

function envelope(
  type: EngineResource['type'],
  m: { name: string; creationTime: string | undefined; zoneOrigin: boolean },
  spec: unknown,
): EngineResource {
  return {
    type,
    meta: {
      name: m.name,
      mesh: 'default',
      ...(m.creationTime === undefined ? {} : { creationTime: m.creationTime }),
      ...(m.zoneOrigin ? { labels: { 'kuma.io/origin': 'zone' } } : {}),
    },
    spec,
  };
}

const trafficPermission = fc
  .tuple(
    meta,
    fc.array(selector, { minLength: 1, maxLength: 3 }),
    fc.array(selector, { minLength: 1, maxLength: 2 }),
  )
  .map(([m, sources, destinations]) =>
    envelope('TrafficPermission', m, {
      sources: sources.map((match) => ({ match })),
      destinations: destinations.map((match) => ({ match })),
    }),
  );
const meshTrafficPermission = fc
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
  .map(([m, targetRef, from]) => envelope('MeshTrafficPermission', m, { targetRef, from }));
/** Mostly mTLS on (the default without a Mesh, or a Mesh enabling it), sometimes off. */
const mesh = fc.oneof(
  { weight: 4, arbitrary: fc.constant<EngineResource[]>([]) },
  {
    weight: 1,
    arbitrary: fc.constant<EngineResource[]>([
      { type: 'Mesh', meta: { name: 'default' }, spec: { mtls: { enabledBackend: 'ca-1' } } },
    ]),
  },
  {
    weight: 1,
    arbitrary: fc.constant<EngineResource[]>([{ type: 'Mesh', meta: { name: 'default' }, spec: {} }]),
  },
);
/** A mesh's resources: TrafficPermissions, alone or with MeshTrafficPermissions (which replace them). */
const resources: fc.Arbitrary<EngineResource[]> = fc
  .tuple(
    mesh,
    fc.array(trafficPermission, { maxLength: 4 }),
    fc.oneof(
      { weight: 1, arbitrary: fc.constant([]) },
      { weight: 2, arbitrary: fc.array(meshTrafficPermission, { minLength: 1, maxLength: 4 }) },
    ),
  )
  .map(([meshes, tps, mtps]) => [...meshes, ...tps, ...mtps]);
/** A client: one to two inbounds, each with `kuma.io/service`. */
const client = fc.array(inbound, { minLength: 1, maxLength: 2 });

/** The property for one engine (optionally with its rules altered on the way out). */
function rulesDecideAsEngine(create: CreateEngine) {
  return fc.property(
    resources,
    inbound,
    fc.array(client, { minLength: 1, maxLength: 6 }),
    (policies, destination, clients) => {
      const engine = create({ mesh: 'default' });
      for (const resource of policies) engine.upsert(resource);
      const permissions = engine.inboundPermissions(destination);
      for (const source of clients) {
        expect(permissionVerdict(permissions, source)).toBe(
          engine.decideTraffic({ source, destination }).decision,
        );
      }
    },
  );
}

/** An engine whose rules come out altered: the property must notice. */
function altered(alter: (rules: readonly unknown[]) => unknown[]): CreateEngine {
  return (options) => {
    const engine = createPolicyEngine(options);
    return {
      ...engine,
      inboundPermissions(tags) {
        const permissions = engine.inboundPermissions(tags);
        return permissions && { ...permissions, rules: alter(permissions.rules) as typeof permissions.rules };
      },
    };
  };
}

describe('inbound permission rules decide as decideTraffic', () => {
  it.each([
    ['indexed engine', createPolicyEngine],
    ['reference engine', createReferencePolicyEngine],
  ])('%s: for random policies, inbounds and clients', (_, create) => {
    expect(() => fc.assert(rulesDecideAsEngine(create), { numRuns: 400 })).not.toThrow();
  });

  it.each([
    ['rules in reverse order', (rules: readonly unknown[]) => [...rules].reverse()],
    ['the last rule dropped', (rules: readonly unknown[]) => rules.slice(0, -1)],
  ])('notices %s (the generators reach those cases)', (_, alter) => {
    const result = fc.check(rulesDecideAsEngine(altered(alter)), { numRuns: 1000 });
    expect(result.failed).toBe(true);
  });
});
