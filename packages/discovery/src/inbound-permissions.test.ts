/**
 * The `permissions` of each sidecar inbound come from the mesh's policy engine
 * (`@zonemesh/policy` `inboundPermissions`, whose rules are proven there to decide as
 * `decideTraffic`). These tests guard the wiring: the right engine, fed every policy write and
 * delete, and every inbound rebuilt when a policy can change its rules.
 */
import type { NewResource, Resource, ResourceType } from '@zonemesh/api';
import { createReferencePolicyEngine, permissionVerdict } from '@zonemesh/policy';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { corpus, dataplane, stored } from './__fixtures__/resources.js';
import { createDiscovery, type Discovery } from './discovery.js';

type Tags = Readonly<Record<string, string>>;

const service = 'kuma.io/service';
const mtlsMesh = corpus('051-mesh-mtls-builtin.yaml');

function zoneOne(resources: readonly Resource[]): Discovery {
  const discovery = createDiscovery({ zone: 'zone-1' });
  for (const resource of resources) discovery.apply(resource);
  return discovery;
}

describe('inbound permissions', () => {
  it('list the from items of every selecting MeshTrafficPermission, weakest first (corpus 036)', () => {
    const discovery = zoneOne([...mtlsMesh, ...corpus('036-mtp-lexicographic-order.yaml')]);
    const permissions = discovery.proxyConfig({ mesh: 'default', name: 'dp-1' })?.inbounds[0]?.permissions;
    // rule-a's name is first alphabetically: it is the strongest, merged last.
    expect(permissions?.policy).toEqual({ type: 'MeshTrafficPermission', name: 'rule-a' });
    expect(permissions?.rules.map((rule) => [rule.policy?.name, rule.match, rule.action])).toEqual([
      ['rule-b', { 'app.kubernetes.io/name': 'ui' }, 'Allow'],
      ['rule-b', { 'app.kubernetes.io/name': 'service-order' }, 'Allow'],
      ['rule-b', { 'app.kubernetes.io/name': 'service-payment' }, 'Allow'],
      ['rule-a', { 'app.kubernetes.io/name': 'service-payment' }, 'Deny'],
    ]);
    expect(permissionVerdict(permissions ?? null, { 'app.kubernetes.io/name': 'service-payment' })).toBe(
      'DENY',
    );
    expect(permissionVerdict(permissions ?? null, { 'app.kubernetes.io/name': 'ui' })).toBe('ALLOW');
  });

  it('follow a policy write and its delete (corpus 027)', () => {
    const payments = dataplane('payments-1', {
      address: '10.0.0.1',
      inbounds: [{ port: 8080, tags: { [service]: 'payments', app: 'payments' } }],
    });
    const discovery = zoneOne([...mtlsMesh, payments]);
    const permissions = () =>
      discovery.proxyConfig({ mesh: 'default', name: 'payments-1' })?.inbounds[0]?.permissions;
    expect(permissions()).toEqual({ policy: null, rules: [] });
    for (const resource of corpus('027-mtp-docs-allow-orders.yaml')) discovery.apply(resource);
    expect(discovery.flush().proxies).toEqual([{ mesh: 'default', name: 'payments-1' }]);
    expect(permissions()?.rules.map((r) => [r.match, r.action])).toEqual([
      [{ [service]: 'orders' }, 'Allow'],
    ]);
    discovery.delete({ type: 'MeshTrafficPermission', mesh: 'default', name: 'allow-orders' });
    expect(discovery.flush().proxies).toEqual([{ mesh: 'default', name: 'payments-1' }]);
    expect(permissions()).toEqual({ policy: null, rules: [] });
  });

  it('allow everyone (null) while the mesh has mTLS off', () => {
    const discovery = zoneOne([
      ...corpus('027-mtp-docs-allow-orders.yaml'),
      dataplane('payments-1', {
        address: '10.0.0.1',
        inbounds: [{ port: 8080, tags: { [service]: 'payments' } }],
      }),
    ]);
    expect(
      discovery.proxyConfig({ mesh: 'default', name: 'payments-1' })?.inbounds[0]?.permissions,
    ).toBeNull();
  });

  it('stay those of the mesh engine through random policy writes, deletes and Dataplane changes', () => {
    const value = fc.constantFrom('a', 'b', 'c');
    const key = fc.constantFrom(service, 'version', 'env');
    const tagMap = (wildcards: boolean) =>
      fc.dictionary(key, wildcards ? fc.oneof(value, fc.constant('*')) : value, { minKeys: 1, maxKeys: 2 });
    const inboundTags = fc
      .tuple(value, fc.dictionary(fc.constantFrom('version', 'env'), value))
      .map(([name, extra]): Tags => ({ ...extra, [service]: name }));
    const fromRef = fc.oneof(
      fc.constant({ kind: 'Mesh' }),
      tagMap(false).map((tags) => ({ kind: 'MeshSubset', tags })),
      value.map((name) => ({ kind: 'MeshService', name })),
      fc
        .record({
          name: value,
          tags: fc.dictionary(fc.constantFrom('version', 'env'), value, { minKeys: 1 }),
        })
        .map((ref) => ({ kind: 'MeshServiceSubset', ...ref })),
    );
    const name = fc.constantFrom('p0', 'p1', 'p2');
    const tp = fc
      .record({
        name,
        sources: fc.array(tagMap(true), { minLength: 1, maxLength: 2 }),
        destinations: fc.array(tagMap(true), { minLength: 1, maxLength: 2 }),
      })
      .map(
        (spec): NewResource => ({
          type: 'TrafficPermission',
          meta: { name: spec.name, mesh: 'default' },
          spec: {
            sources: spec.sources.map((match) => ({ match })),
            destinations: spec.destinations.map((match) => ({ match })),
          },
        }),
      );
    const mtp = fc
      .record({
        name,
        targetRef: fromRef,
        from: fc.array(
          fc.record({
            targetRef: fromRef,
            default: fc.record({ action: fc.constantFrom('Allow', 'Deny', 'AllowWithShadowDeny') }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        zoneOrigin: fc.boolean(),
      })
      .map(
        (spec): NewResource => ({
          type: 'MeshTrafficPermission',
          meta: {
            name: spec.name,
            mesh: 'default',
            labels: spec.zoneOrigin ? { 'kuma.io/origin': 'zone' } : {},
          },
          spec: { targetRef: spec.targetRef, from: spec.from },
        }),
      );
    const proxy = fc
      .record({
        name: fc.constantFrom('dp-1', 'dp-2', 'dp-3'),
        inbounds: fc.array(inboundTags, { minLength: 1, maxLength: 2 }),
      })
      .map(({ name, inbounds }) =>
        dataplane(name, {
          address: '10.0.0.1',
          inbounds: inbounds.map((tags, i) => ({ port: 8080 + i, tags })),
        }),
      );
    type Operation =
      | { apply: NewResource }
      | { delete: [ResourceType, string] }
      | { dataplane: Resource }
      | { flush: true };
    const operation: fc.Arbitrary<Operation> = fc.oneof(
      { weight: 3, arbitrary: fc.oneof(tp, mtp).map((resource) => ({ apply: resource })) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom<ResourceType>('TrafficPermission', 'MeshTrafficPermission'), name)
          .map((target) => ({ delete: target })),
      },
      { weight: 2, arbitrary: proxy.map((resource) => ({ dataplane: resource })) },
      { weight: 1, arbitrary: fc.constant({ flush: true as const }) },
    );

    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 16 }), (operations) => {
        const discovery = zoneOne(mtlsMesh);
        const policies = new Map<string, Resource>();
        for (const op of operations) {
          if ('apply' in op) {
            const resource = stored(op.apply);
            discovery.apply(resource);
            policies.set(`${resource.type}/${resource.meta.name}`, resource);
          } else if ('delete' in op) {
            const [type, policyName] = op.delete;
            discovery.delete({ type, mesh: 'default', name: policyName });
            policies.delete(`${type}/${policyName}`);
          } else if ('dataplane' in op) {
            discovery.apply(op.dataplane);
          } else {
            discovery.flush();
          }
        }
        // A fresh engine fed only the policies that remain: what every inbound must carry.
        const engine = createReferencePolicyEngine({ mesh: 'default' });
        for (const resource of [...mtlsMesh, ...policies.values()]) engine.upsert(resource);
        const configs = discovery.proxies().map((ref) => discovery.proxyConfig(ref));
        const clients = configs.map((config) => config?.inbounds.map((inbound) => inbound.tags) ?? []);
        for (const config of configs) {
          for (const inbound of config?.inbounds ?? []) {
            expect(inbound.permissions).toEqual(engine.inboundPermissions(inbound.tags));
            for (const client of clients) {
              expect(permissionVerdict(inbound.permissions, client)).toBe(
                engine.decideTraffic({ source: client, destination: inbound.tags }).decision,
              );
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
