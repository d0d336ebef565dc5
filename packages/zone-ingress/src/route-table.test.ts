import type { IngressConfig } from '@zonemesh/api';
import { describe, expect, it } from 'vitest';
import { createRouteTable } from './route-table.js';

const config: IngressConfig = {
  v: '1',
  version: 'v',
  name: 'ingress',
  zone: 'zone-2',
  routes: [
    {
      sni: 'backend{mesh=default}',
      mesh: 'default',
      service: 'backend',
      endpoints: [{ address: '127.0.0.1', port: 7001 }],
    },
    { sni: 'empty{mesh=default}', mesh: 'default', service: 'empty', endpoints: [] },
  ],
};

describe('ingress route table', () => {
  const table = createRouteTable(config);

  it('routes a known SNI to its instances, tagged with service and zone', () => {
    expect(table.lookup('backend{mesh=default}')).toEqual({
      kind: 'route',
      service: 'backend',
      mesh: 'default',
      endpoints: [
        { address: '127.0.0.1', port: 7001, zone: 'zone-2', tags: { 'kuma.io/service': 'backend' } },
      ],
    });
  });

  it('routes a Kuma SNI with more tags, in any order, by its service and mesh', () => {
    expect(table.lookup('backend{version=v1,mesh=default}')).toMatchObject({
      kind: 'route',
      service: 'backend',
    });
  });

  it('says why a connection cannot be routed', () => {
    expect(table.lookup(undefined)).toEqual({ kind: 'unroutable', reason: 'no_sni', service: '' });
    expect(table.lookup('backend{mesh=other}')).toEqual({
      kind: 'unroutable',
      reason: 'unknown_service',
      service: 'backend',
    });
    expect(table.lookup('example.com')).toEqual({
      kind: 'unroutable',
      reason: 'unknown_service',
      service: '',
    });
    expect(table.lookup('empty{mesh=default}')).toEqual({
      kind: 'unroutable',
      reason: 'no_endpoint',
      service: 'empty',
    });
  });
});
