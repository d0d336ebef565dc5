import { describe, expect, it } from 'vitest';
import { descriptorFor, findDescriptor, kindDescriptors } from './kind-registry.js';
import { isMeshScoped, resourceTypes } from './resource.js';

describe('kind descriptors', () => {
  it('cover every kind in resourceTypes order with Kuma plurals', () => {
    expect(kindDescriptors.map((d) => [d.type, d.plural])).toEqual([
      ['Mesh', 'meshes'],
      ['Dataplane', 'dataplanes'],
      ['ZoneIngress', 'zoneingresses'],
      ['Zone', 'zones'],
      ['TrafficPermission', 'traffic-permissions'],
      ['HealthCheck', 'health-checks'],
      ['TrafficRoute', 'traffic-routes'],
      ['MeshTrafficPermission', 'meshtrafficpermissions'],
      ['MeshHealthCheck', 'meshhealthchecks'],
    ]);
    for (const type of resourceTypes) expect(descriptorFor(type).type).toBe(type);
  });

  it('say where each kind is written and how it travels', () => {
    const table = Object.fromEntries(
      kindDescriptors.map((d) => [d.type, [d.scope, d.origin, d.sync, d.universalLayout]]),
    );
    expect(table).toEqual({
      Mesh: ['global', 'global', 'global-to-zones', 'inline'],
      Dataplane: ['mesh', 'zone', 'zone-to-global', 'inline'],
      ZoneIngress: ['global', 'zone', 'zone-to-global-to-zones', 'inline'],
      Zone: ['global', 'global', 'global-to-zones', 'inline'],
      TrafficPermission: ['mesh', 'global', 'global-to-zones', 'inline'],
      HealthCheck: ['mesh', 'global', 'global-to-zones', 'inline'],
      TrafficRoute: ['mesh', 'global', 'global-to-zones', 'inline'],
      MeshTrafficPermission: ['mesh', 'global', 'global-to-zones', 'nested'],
      MeshHealthCheck: ['mesh', 'global', 'global-to-zones', 'nested'],
    });
    for (const d of kindDescriptors) expect(d.scope === 'mesh').toBe(isMeshScoped(d.type));
  });

  it.each([
    ['traffic-permissions', 'TrafficPermission'],
    ['TrafficPermission', 'TrafficPermission'],
    ['tp', 'TrafficPermission'],
    ['TRAFFIC-PERMISSION', 'TrafficPermission'],
    ['dataplanes', 'Dataplane'],
    ['dp', 'Dataplane'],
    ['zones', 'Zone'],
    ['zoneingress', 'ZoneIngress'],
    ['mtp', 'MeshTrafficPermission'],
    ['meshhealthchecks', 'MeshHealthCheck'],
    ['hc', 'HealthCheck'],
    ['traffic-routes', 'TrafficRoute'],
    ['meshes', 'Mesh'],
  ])('find %s as %s', (name, type) => {
    expect(findDescriptor(name)?.type).toBe(type);
  });

  it('find nothing for an unknown name', () => {
    expect(findDescriptor('externalservices')).toBeUndefined();
  });
});
