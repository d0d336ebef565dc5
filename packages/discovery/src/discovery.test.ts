import type { Resource } from '@zonemesh/api';
import { ProxyConfigSchema } from '@zonemesh/api';
import { describe, expect, it } from 'vitest';
import {
  corpus,
  dataplane,
  localIngress,
  remoteIngress,
  stored,
  yamlResources,
} from './__fixtures__/resources.js';
import { createDiscovery, type Discovery } from './discovery.js';

const mtlsMesh = corpus('051-mesh-mtls-builtin.yaml');

function zoneOne(resources: readonly Resource[]): Discovery {
  const discovery = createDiscovery({ zone: 'zone-1' });
  for (const resource of resources) discovery.apply(resource);
  return discovery;
}

const frontend = dataplane('frontend-1', {
  address: '10.0.0.10',
  inbounds: [{ port: 8080, tags: { 'kuma.io/service': 'frontend' } }],
  outbounds: [
    { port: 20001, service: 'backend1' },
    { port: 20002, service: 'backend2' },
  ],
});
const backend1a = dataplane('backend1-a', {
  address: '10.0.0.21',
  inbounds: [{ port: 9001, tags: { 'kuma.io/service': 'backend1', version: 'v1' } }],
});
const backend1b = dataplane('backend1-b', {
  address: '10.0.0.22',
  inbounds: [{ port: 9001, tags: { 'kuma.io/service': 'backend1', version: 'v2' } }],
});
const zone2Ingress = remoteIngress('zone-2', 'ingress', { address: '172.16.0.2', port: 10002 }, [
  {
    mesh: 'default',
    tags: { 'kuma.io/service': 'backend2', version: 'v1', 'kuma.io/zone': 'zone-2' },
    instances: 2,
  },
  {
    mesh: 'default',
    tags: { 'kuma.io/service': 'backend2', version: 'v2', 'kuma.io/zone': 'zone-2' },
    instances: 1,
  },
  { mesh: 'other', tags: { 'kuma.io/service': 'backend2' }, instances: 7 },
]);

describe('outbound endpoints', () => {
  it('lists healthy local inbounds and one weighted endpoint per remote ingress advertising the service', () => {
    const discovery = zoneOne([...mtlsMesh, frontend, backend1a, backend1b, zone2Ingress]);
    const config = discovery.proxyConfig({ mesh: 'default', name: 'frontend-1' });
    expect(ProxyConfigSchema.parse(config)).toEqual(config);
    expect(config?.mtls.enabled).toBe(true);
    const [toBackend1, toBackend2] = config?.outbounds ?? [];
    expect(toBackend1).toMatchObject({
      port: 20001,
      address: '127.0.0.1',
      service: 'backend1',
      sni: 'backend1{mesh=default}',
      localityAware: true,
      endpoints: [
        {
          address: '10.0.0.21',
          port: 9001,
          zone: 'zone-1',
          local: true,
          weight: 1,
          tags: { 'kuma.io/service': 'backend1', version: 'v1', 'kuma.io/zone': 'zone-1' },
        },
        { address: '10.0.0.22', port: 9001, zone: 'zone-1', local: true, weight: 1 },
      ],
    });
    // One endpoint for the ingress: weight = instances of that mesh's service; tags common to them.
    expect(toBackend2?.endpoints).toEqual([
      {
        address: '172.16.0.2',
        port: 10002,
        zone: 'zone-2',
        local: false,
        weight: 3,
        tags: { 'kuma.io/service': 'backend2', 'kuma.io/zone': 'zone-2' },
      },
    ]);
  });

  it('leaves other zones out when the mesh has mTLS off (no cross-zone routing without it)', () => {
    const discovery = zoneOne([
      stored({ type: 'Mesh', meta: { name: 'default' }, spec: {} }),
      frontend,
      zone2Ingress,
    ]);
    const config = discovery.proxyConfig({ mesh: 'default', name: 'frontend-1' });
    expect(config?.mtls).toEqual({ enabled: false });
    expect(config?.outbounds[1]?.endpoints).toEqual([]);
    expect(config?.inbounds[0]?.permissions).toBeNull();
  });

  it('drops an unhealthy inbound, and an unavailable proxy, from endpoints and available services', () => {
    const sick = dataplane('backend1-b', {
      address: '10.0.0.22',
      inbounds: [{ port: 9001, tags: { 'kuma.io/service': 'backend1', version: 'v2' }, healthy: false }],
    });
    const discovery = zoneOne([...mtlsMesh, frontend, backend1a, sick]);
    const endpoints = () =>
      discovery
        .proxyConfig({ mesh: 'default', name: 'frontend-1' })
        ?.outbounds[0]?.endpoints.map((e) => e.address);
    expect(endpoints()).toEqual(['10.0.0.21']);
    expect(discovery.availableServices()).toEqual([
      {
        mesh: 'default',
        tags: { 'kuma.io/service': 'backend1', version: 'v1', 'kuma.io/zone': 'zone-1' },
        instances: 1,
      },
      { mesh: 'default', tags: { 'kuma.io/service': 'frontend', 'kuma.io/zone': 'zone-1' }, instances: 1 },
    ]);
    discovery.setAvailable({ mesh: 'default', name: 'backend1-a' }, false);
    expect(endpoints()).toEqual([]);
    expect(discovery.availableServices().map((s) => s.tags?.['kuma.io/service'])).toEqual(['frontend']);
    discovery.setAvailable({ mesh: 'default', name: 'backend1-a' }, true);
    expect(endpoints()).toEqual(['10.0.0.21']);
  });

  it('counts instances per distinct tag set in the available services', () => {
    const twin = dataplane('backend1-c', {
      address: '10.0.0.23',
      inbounds: [{ port: 9001, tags: { 'kuma.io/service': 'backend1', version: 'v1' } }],
    });
    const discovery = zoneOne([...mtlsMesh, backend1a, backend1b, twin]);
    expect(discovery.availableServices()).toEqual([
      {
        mesh: 'default',
        tags: { 'kuma.io/service': 'backend1', version: 'v1', 'kuma.io/zone': 'zone-1' },
        instances: 2,
      },
      {
        mesh: 'default',
        tags: { 'kuma.io/service': 'backend1', version: 'v2', 'kuma.io/zone': 'zone-1' },
        instances: 1,
      },
    ]);
  });

  it('ignores Dataplanes labelled with another zone', () => {
    const foreign = dataplane('backend1-x', {
      address: '10.5.0.1',
      inbounds: [{ port: 9001, tags: { 'kuma.io/service': 'backend1' } }],
      labels: { 'kuma.io/zone': 'zone-2' },
    });
    const discovery = zoneOne([...mtlsMesh, frontend, foreign]);
    expect(discovery.proxyConfig({ mesh: 'default', name: 'backend1-x' })).toBeUndefined();
    expect(discovery.proxyConfig({ mesh: 'default', name: 'frontend-1' })?.outbounds[0]?.endpoints).toEqual(
      [],
    );
  });

  it('reads the locality-aware flag from the Mesh (on unless the Mesh turns it off)', () => {
    const off = yamlResources(`
type: Mesh
name: default
routing:
  localityAwareLoadBalancing: false
`);
    const discovery = zoneOne([...off, frontend]);
    expect(discovery.proxyConfig({ mesh: 'default', name: 'frontend-1' })?.outbounds[0]?.localityAware).toBe(
      false,
    );
  });
});

describe('inbounds', () => {
  it('carry where the sidecar listens, the app behind it and its tags (corpus 055)', () => {
    const discovery = zoneOne([...mtlsMesh, ...corpus('055-dataplane-inbound-outbound.yaml')]);
    const config = discovery.proxyConfig({ mesh: 'default', name: 'dp-1' });
    expect(config?.inbounds).toEqual([
      {
        port: 8080,
        address: '127.0.0.1',
        servicePort: 7777,
        serviceAddress: '127.0.0.1',
        tags: { 'kuma.io/service': 'backend', version: '1' },
        permissions: { policy: null, rules: [] },
      },
    ]);
    expect(config?.outbounds.map((o) => [o.address, o.port, o.service])).toEqual([
      ['127.0.0.1', 3333, 'redis'],
    ]);
  });

  it('get the winning TrafficPermission as one Allow rule per source (corpus 005)', () => {
    const a = dataplane('a-1', {
      address: '10.0.1.1',
      inbounds: [{ port: 8080, tags: { 'kuma.io/service': 'a' } }],
    });
    const discovery = zoneOne([
      ...mtlsMesh,
      a,
      ...corpus('005-trafficpermission-override-b-and-c-to-a.yaml'),
    ]);
    const policy = { type: 'TrafficPermission', name: 'allow-c-to-a' };
    expect(discovery.proxyConfig({ mesh: 'default', name: 'a-1' })?.inbounds[0]?.permissions).toEqual({
      policy,
      rules: [{ match: { 'kuma.io/service': 'c' }, action: 'Allow', policy }],
    });
  });
});

describe('zone ingress', () => {
  it('routes each local service by SNI to its healthy inbounds', () => {
    const discovery = zoneOne([...mtlsMesh, backend1a, backend1b, localIngress('ingress-1'), zone2Ingress]);
    const config = discovery.ingressConfig('ingress-1');
    expect(config).toMatchObject({ v: '1', name: 'ingress-1', zone: 'zone-1' });
    expect(config?.routes).toEqual([
      {
        sni: 'backend1{mesh=default}',
        mesh: 'default',
        service: 'backend1',
        endpoints: [
          { address: '10.0.0.21', port: 9001 },
          { address: '10.0.0.22', port: 9001 },
        ],
      },
    ]);
    expect(discovery.ingressConfig('zone-2.ingress')).toBeUndefined();
  });
});

describe('incremental recomputation', () => {
  /** Three services, each with one provider and one consumer of it. */
  function threeServices(): Discovery {
    const resources = [...mtlsMesh, localIngress('ingress-1')];
    for (const service of ['alpha', 'beta', 'gamma']) {
      resources.push(
        dataplane(`${service}-server`, {
          address: `10.1.0.${resources.length}`,
          inbounds: [{ port: 9000, tags: { 'kuma.io/service': service } }],
        }),
        dataplane(`${service}-client`, {
          address: `10.2.0.${resources.length}`,
          inbounds: [{ port: 8000, tags: { 'kuma.io/service': `${service}-client` } }],
          outbounds: [{ port: 20000, service }],
        }),
      );
    }
    const discovery = zoneOne(resources);
    discovery.flush();
    return discovery;
  }

  it('rebuilds only the changed proxy and the consumers of its service', () => {
    const discovery = threeServices();
    const before = discovery.stats().proxyBuilds;
    discovery.apply(
      dataplane('beta-server', {
        address: '10.1.0.3',
        inbounds: [{ port: 9000, tags: { 'kuma.io/service': 'beta' }, healthy: false }],
      }),
    );
    const update = discovery.flush();
    expect(discovery.stats().proxyBuilds - before).toBe(2);
    expect(update.proxies.map((p) => p.name).sort()).toEqual(['beta-client', 'beta-server']);
    expect(update.ingresses).toEqual(['ingress-1']);
    expect(update.availableServicesChanged).toBe(true);
    // Nothing changed since: nothing is rebuilt, nothing reported.
    expect(discovery.flush()).toEqual({
      proxies: [],
      removedProxies: [],
      ingresses: [],
      removedIngresses: [],
      availableServicesChanged: false,
    });
    expect(discovery.stats().proxyBuilds - before).toBe(2);
  });

  it('rebuilds only the providers of the service a TrafficPermission selects', () => {
    const discovery = threeServices();
    const before = discovery.stats().proxyBuilds;
    discovery.apply(
      yamlResources(`
type: TrafficPermission
name: clients-to-gamma
mesh: default
sources:
  - match:
      kuma.io/service: gamma-client
destinations:
  - match:
      kuma.io/service: gamma
`)[0] as Resource,
    );
    const update = discovery.flush();
    expect(discovery.stats().proxyBuilds - before).toBe(1);
    expect(update.proxies).toEqual([{ mesh: 'default', name: 'gamma-server' }]);
  });

  it('builds again but does not report a rewrite that changes nothing', () => {
    const discovery = threeServices();
    discovery.apply(
      dataplane('alpha-server', {
        address: '10.1.0.3',
        inbounds: [{ port: 9000, tags: { 'kuma.io/service': 'alpha' } }],
      }),
    );
    const first = discovery.flush();
    expect(first.proxies.length).toBeGreaterThan(0);
    const version = discovery.proxyConfig({ mesh: 'default', name: 'alpha-server' })?.version;
    discovery.apply(
      dataplane('alpha-server', {
        address: '10.1.0.3',
        inbounds: [{ port: 9000, tags: { 'kuma.io/service': 'alpha' } }],
      }),
    );
    expect(discovery.flush().proxies).toEqual([]);
    expect(discovery.proxyConfig({ mesh: 'default', name: 'alpha-server' })?.version).toBe(version);
  });

  it('rebuilds the consumers of a service a remote ingress starts advertising', () => {
    const discovery = threeServices();
    const before = discovery.stats().proxyBuilds;
    discovery.apply(
      remoteIngress('zone-2', 'ingress', { address: '172.16.0.2', port: 10002 }, [
        { mesh: 'default', tags: { 'kuma.io/service': 'alpha' }, instances: 4 },
      ]),
    );
    const update = discovery.flush();
    expect(discovery.stats().proxyBuilds - before).toBe(1);
    expect(update.proxies).toEqual([{ mesh: 'default', name: 'alpha-client' }]);
    expect(update.availableServicesChanged).toBe(false);
    const endpoints = discovery.proxyConfig({ mesh: 'default', name: 'alpha-client' })?.outbounds[0]
      ?.endpoints;
    expect(endpoints?.map((e) => [e.zone, e.weight])).toEqual([
      ['zone-1', 1],
      ['zone-2', 4],
    ]);
  });

  it('reports removed proxies and rebuilds their consumers', () => {
    const discovery = threeServices();
    discovery.delete({ type: 'Dataplane', mesh: 'default', name: 'gamma-server' });
    const update = discovery.flush();
    expect(update.removedProxies).toEqual([{ mesh: 'default', name: 'gamma-server' }]);
    expect(update.proxies).toEqual([{ mesh: 'default', name: 'gamma-client' }]);
  });

  it('rebuilds the whole mesh when its trust roots or its Mesh change', () => {
    const discovery = threeServices();
    const before = discovery.stats().proxyBuilds;
    discovery.setMeshRoots('default', '-----BEGIN CERTIFICATE-----\nroot\n-----END CERTIFICATE-----\n');
    expect(discovery.flush().proxies).toHaveLength(6);
    expect(discovery.stats().proxyBuilds - before).toBe(6);
    expect(discovery.proxyConfig({ mesh: 'default', name: 'beta-client' })?.mtls.rootsPem).toContain('root');
  });
});
