import { describe, expect, it } from 'vitest';
import { dataplane, mesh, meshTrafficPermission, trafficPermission, zone, zoneIngress } from './builders.js';

describe('builders', () => {
  it('builds an old-style TrafficPermission with match selectors; a string is a service', () => {
    expect(
      trafficPermission('web-to-backend', 'default', 'web', { 'kuma.io/service': 'backend', version: 'v2' }),
    ).toEqual({
      type: 'TrafficPermission',
      meta: { name: 'web-to-backend', mesh: 'default' },
      spec: {
        sources: [{ match: { 'kuma.io/service': 'web' } }],
        destinations: [{ match: { 'kuma.io/service': 'backend', version: 'v2' } }],
      },
    });
  });

  it('builds a Dataplane with networking.address and inbounds', () => {
    expect(
      dataplane({
        name: 'web-1',
        mesh: 'default',
        address: '10.0.0.1',
        inbound: [{ port: 8080, servicePort: 80, tags: 'web' }],
        labels: { 'kuma.io/zone': 'zone-1' },
      }),
    ).toEqual({
      type: 'Dataplane',
      meta: { name: 'web-1', mesh: 'default', labels: { 'kuma.io/zone': 'zone-1' } },
      spec: {
        networking: {
          address: '10.0.0.1',
          inbound: [{ port: 8080, servicePort: 80, tags: { 'kuma.io/service': 'web' } }],
        },
      },
    });
  });

  it('builds global-scoped kinds without a mesh', () => {
    expect(mesh('default').meta).toEqual({ name: 'default' });
    expect(zone('zone-1')).toEqual({ type: 'Zone', meta: { name: 'zone-1' }, spec: { enabled: true } });
    const ingress = zoneIngress({ name: 'zi', zone: 'zone-1', address: '10.0.0.9', port: 10001 });
    expect(ingress.meta).toEqual({ name: 'zi' });
    expect(ingress.spec).toEqual({
      zone: 'zone-1',
      networking: { address: '10.0.0.9', port: 10001 },
      availableServices: [],
    });
  });

  it('builds a MeshTrafficPermission with targetRef and from', () => {
    expect(meshTrafficPermission('deny-web', 'default', 'web', 'Deny', 'backend').spec).toEqual({
      targetRef: { kind: 'MeshService', name: 'backend' },
      from: [{ targetRef: { kind: 'MeshService', name: 'web' }, default: { action: 'Deny' } }],
    });
  });
});
