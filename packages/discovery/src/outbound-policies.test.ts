import type { Resource } from '@zonemesh/api';
import { describe, expect, it } from 'vitest';
import { corpus, dataplane, yamlResources } from './__fixtures__/resources.js';
import { createDiscovery } from './discovery.js';

const mtlsMesh = corpus('051-mesh-mtls-builtin.yaml');

function outboundOf(resources: readonly Resource[], name: string, port: number) {
  const discovery = createDiscovery({ zone: 'zone-1' });
  for (const resource of resources) discovery.apply(resource);
  return discovery.proxyConfig({ mesh: 'default', name })?.outbounds.find((o) => o.port === port);
}

describe('outbound health checks', () => {
  it('come from the winning HealthCheck, durations in milliseconds (corpus 012)', () => {
    const hc = corpus('012-healthcheck-e2e-everything-to-backend.yaml').map((r) => ({
      ...r,
      meta: { ...r.meta, mesh: 'default' },
    }));
    const client = dataplane('client', {
      address: '10.0.0.1',
      inbounds: [{ port: 8080, tags: { 'kuma.io/service': 'client' } }],
      outbounds: [{ port: 20001, service: 'test-server' }],
    });
    expect(outboundOf([...mtlsMesh, ...hc, client], 'client', 20001)?.healthCheck).toEqual({
      interval: 10_000,
      timeout: 2_000,
      unhealthyThreshold: 3,
      healthyThreshold: 1,
      type: 'http',
      path: '/health',
      expectedStatuses: [200],
      policy: { type: 'HealthCheck', name: 'everything-to-backend' },
    });
  });

  it('come from a MeshHealthCheck by the destination protocol, which then beats a HealthCheck (corpus 044)', () => {
    const web = dataplane('web-1', {
      address: '10.0.0.1',
      inbounds: [{ port: 8080, tags: { 'kuma.io/service': 'web' } }],
      outbounds: [{ port: 20001, service: 'backend' }],
    });
    const httpBackend = dataplane('backend-1', {
      address: '10.0.0.2',
      inbounds: [{ port: 9000, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }],
    });
    const mhc = corpus('044-mhc-docs-web-to-backend-http.yaml');
    const legacy = yamlResources(`
type: HealthCheck
name: legacy
mesh: default
sources: [{ match: { kuma.io/service: '*' } }]
destinations: [{ match: { kuma.io/service: backend } }]
conf: { interval: 5s, timeout: 1s, unhealthyThreshold: 2, healthyThreshold: 2 }
`);
    expect(
      outboundOf([...mtlsMesh, ...mhc, ...legacy, web, httpBackend], 'web-1', 20001)?.healthCheck,
    ).toEqual({
      interval: 10_000,
      timeout: 2_000,
      unhealthyThreshold: 3,
      healthyThreshold: 1,
      type: 'http',
      path: '/health',
      expectedStatuses: [200, 201],
      policy: { type: 'MeshHealthCheck', name: 'web-to-backend-check' },
    });
    // A tcp backend: the MeshHealthCheck has only an http section, so it configures no check.
    const tcpBackend = dataplane('backend-1', {
      address: '10.0.0.2',
      inbounds: [{ port: 9000, tags: { 'kuma.io/service': 'backend' } }],
    });
    expect(
      outboundOf([...mtlsMesh, ...mhc, ...legacy, web, tcpBackend], 'web-1', 20001)?.healthCheck,
    ).toBeUndefined();
    expect(outboundOf([...mtlsMesh, ...legacy, web, tcpBackend], 'web-1', 20001)?.healthCheck).toMatchObject({
      type: 'tcp',
      interval: 5_000,
      policy: { type: 'HealthCheck', name: 'legacy' },
    });
  });
});

describe('outbound routes', () => {
  it('carry a TrafficRoute split with the tags that choose endpoints (corpus 021)', () => {
    const client = dataplane('backend-1', {
      address: '10.0.0.1',
      inbounds: [{ port: 8080, tags: { 'kuma.io/service': 'backend' } }],
      outbounds: [{ port: 20001, service: 'redis' }],
    });
    expect(
      outboundOf([...mtlsMesh, ...corpus('021-trafficroute-split-traffic.yaml'), client], 'backend-1', 20001)
        ?.route,
    ).toEqual({
      policy: { type: 'TrafficRoute', name: 'split-traffic' },
      split: [
        { weight: 90, tags: { 'kuma.io/service': 'redis', version: '1.0' } },
        { weight: 10, tags: { 'kuma.io/service': 'redis', version: '2.0' } },
      ],
    });
  });

  it('bring in the local endpoints of another service a split sends to', () => {
    const route = yamlResources(`
type: TrafficRoute
name: shift
mesh: default
sources: [{ match: { kuma.io/service: '*' } }]
destinations: [{ match: { kuma.io/service: api } }]
conf:
  split:
    - { weight: 80, destination: { kuma.io/service: api } }
    - { weight: 20, destination: { kuma.io/service: api-v2 } }
`);
    const client = dataplane('client', {
      address: '10.0.0.1',
      inbounds: [{ port: 8080, tags: { 'kuma.io/service': 'client' } }],
      outbounds: [{ port: 20001, service: 'api' }],
    });
    const api = dataplane('api-1', {
      address: '10.0.0.2',
      inbounds: [{ port: 9000, tags: { 'kuma.io/service': 'api' } }],
    });
    const apiV2 = dataplane('api-v2-1', {
      address: '10.0.0.3',
      inbounds: [{ port: 9000, tags: { 'kuma.io/service': 'api-v2' } }],
    });
    const outbound = outboundOf([...mtlsMesh, ...route, client, api, apiV2], 'client', 20001);
    expect(outbound?.endpoints.map((e) => [e.address, e.tags['kuma.io/service']])).toEqual([
      ['10.0.0.2', 'api'],
      ['10.0.0.3', 'api-v2'],
    ]);
    expect(outbound?.sni).toBe('api{mesh=default}');
  });
});
