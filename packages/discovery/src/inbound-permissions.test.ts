import type { InboundPermissions, NewResource } from '@zonemesh/api';
import { createPolicyEngine, type TrafficVerdict } from '@zonemesh/policy';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { corpus, stored } from './__fixtures__/resources.js';
import {
  inboundPermissions,
  MeshTrafficPermissionIndex,
  TrafficPermissionSources,
} from './inbound-permissions.js';

type Tags = Readonly<Record<string, string>>;

/** Feeds resources to an engine and the two rule sources, as discovery does. */
function permissionsFor(resources: readonly NewResource[]) {
  const engine = createPolicyEngine({ mesh: 'default', mtlsEnabled: true });
  const tps = new TrafficPermissionSources();
  const mtps = new MeshTrafficPermissionIndex();
  for (const resource of resources.map(stored)) {
    engine.upsert(resource);
    if (resource.type === 'TrafficPermission') tps.set(resource);
    if (resource.type === 'MeshTrafficPermission') mtps.set(resource);
  }
  return { engine, rules: (tags: Tags) => inboundPermissions(engine, tps, mtps, tags) };
}

/** How a sidecar evaluates the rules: the last matching rule wins, no match denies. */
function evaluate(permissions: InboundPermissions | null, client: readonly Tags[]): TrafficVerdict {
  if (permissions === null) return 'ALLOW';
  const carried = (key: string, value: string) => client.some((tags) => tags[key] === value);
  const matching = permissions.rules.filter((rule) =>
    Object.entries(rule.match).every(([key, value]) => value === '*' || carried(key, value)),
  );
  const last = matching.at(-1);
  if (last === undefined) return 'DENY';
  return last.action === 'Allow' ? 'ALLOW' : last.action === 'Deny' ? 'DENY' : 'SHADOW';
}

describe('inbound permission rules', () => {
  it('concatenate the from items of every selecting MeshTrafficPermission, weakest first (corpus 036)', () => {
    const resources = corpus('036-mtp-lexicographic-order.yaml').filter((r) => r.type !== 'Dataplane');
    const { rules } = permissionsFor(resources);
    const permissions = rules({ 'kuma.io/service': 'foo', 'k8s.kuma.io/service-name': 'demo-app' });
    // rule-a's name is first alphabetically: it is the strongest, merged last.
    expect(permissions?.policy).toEqual({ type: 'MeshTrafficPermission', name: 'rule-a' });
    expect(permissions?.rules.map((rule) => [rule.policy?.name, rule.match, rule.action])).toEqual([
      ['rule-b', { 'app.kubernetes.io/name': 'ui' }, 'Allow'],
      ['rule-b', { 'app.kubernetes.io/name': 'service-order' }, 'Allow'],
      ['rule-b', { 'app.kubernetes.io/name': 'service-payment' }, 'Allow'],
      ['rule-a', { 'app.kubernetes.io/name': 'service-payment' }, 'Deny'],
    ]);
    expect(evaluate(permissions, [{ 'app.kubernetes.io/name': 'service-payment' }])).toBe('DENY');
    expect(evaluate(permissions, [{ 'app.kubernetes.io/name': 'ui' }])).toBe('ALLOW');
  });

  it('turn MeshService and Mesh from items into service and empty matches (corpus 029, 027)', () => {
    const { rules } = permissionsFor([
      ...corpus('029-mtp-docs-example-with-tags.yaml'),
      ...corpus('027-mtp-docs-allow-orders.yaml'),
    ]);
    expect(
      rules({ 'kuma.io/service': 'payments', app: 'payments' })?.rules.map((r) => [r.match, r.action]),
    ).toEqual([
      [{ 'kuma.io/zone': 'us-east' }, 'Allow'],
      [{ env: 'dev' }, 'Deny'],
      [{ 'kuma.io/service': 'orders' }, 'Allow'],
    ]);
  });

  it('deny everyone with no rules when no policy selects the inbound', () => {
    const { rules } = permissionsFor([]);
    expect(rules({ 'kuma.io/service': 'web' })).toEqual({ policy: null, rules: [] });
  });

  it('decide exactly as the policy engine for random policies and clients', () => {
    const value = fc.constantFrom('a', 'b', 'c');
    const key = fc.constantFrom('kuma.io/service', 'version', 'env');
    const tagMap = (wildcards: boolean) =>
      fc.dictionary(key, wildcards ? fc.oneof(value, fc.constant('*')) : value, { minKeys: 1, maxKeys: 2 });
    const fromRef = fc.oneof(
      fc.constant({ kind: 'Mesh' }),
      tagMap(false).map((tags) => ({ kind: 'MeshSubset', tags })),
      value.map((name) => ({ kind: 'MeshService', name })),
      // Tags naming a second service are left out of the rules (see clientMatch); not generated here.
      fc
        .record({
          name: value,
          tags: fc.dictionary(fc.constantFrom('version', 'env'), value, { minKeys: 1 }),
        })
        .map((ref) => ({ kind: 'MeshServiceSubset', ...ref })),
    );
    const action = fc.constantFrom('Allow', 'Deny', 'AllowWithShadowDeny');
    const mtp = fc.record({
      targetRef: fromRef,
      from: fc.array(fc.record({ targetRef: fromRef, default: fc.record({ action }) }), {
        minLength: 1,
        maxLength: 3,
      }),
      zoneOrigin: fc.boolean(),
    });
    const tp = fc.record({
      sources: fc.array(
        tagMap(true).map((match) => ({ match })),
        { minLength: 1, maxLength: 2 },
      ),
      destinations: fc.array(
        fc.record({
          service: fc.oneof(value, fc.constant('*')),
          extra: fc.option(tagMap(true), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 2 },
      ),
    });
    const inbound = fc.record(
      { 'kuma.io/service': value, version: value },
      { requiredKeys: ['kuma.io/service'] },
    );
    fc.assert(
      fc.property(
        fc.array(tp, { maxLength: 4 }),
        fc.array(mtp, { maxLength: 4 }),
        inbound,
        fc.array(fc.array(tagMap(false), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 6 }),
        (tps, mtps, destination, clients) => {
          const resources: NewResource[] = [
            ...tps.map((spec, i) => ({
              type: 'TrafficPermission' as const,
              meta: { name: `tp-${i}`, mesh: 'default' },
              spec: {
                sources: spec.sources,
                destinations: spec.destinations.map((d) => ({
                  match: { ...d.extra, 'kuma.io/service': d.service },
                })),
              },
            })),
            ...mtps.map((spec, i) => ({
              type: 'MeshTrafficPermission' as const,
              meta: {
                name: `mtp-${i}`,
                mesh: 'default',
                labels: spec.zoneOrigin ? { 'kuma.io/origin': 'zone' } : {},
              },
              spec: { targetRef: spec.targetRef, from: spec.from },
            })),
          ];
          const { engine, rules } = permissionsFor(resources);
          const permissions = rules(destination);
          for (const client of clients) {
            expect(evaluate(permissions, client)).toBe(
              engine.decideTraffic({ source: client, destination }).decision,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
