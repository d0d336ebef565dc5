import { describe, expect, it } from 'vitest';
import { createRouter } from './router.js';

describe('router', () => {
  const ok = () => ({});
  const router = createRouter()
    .get('/zones/:name', ok)
    .get('/zones/_overview', ok)
    .get('/meshes/:mesh/:plural/:name', ok)
    .put('/meshes/:mesh/:plural/:name', ok);

  it('prefers literal segments over parameters', () => {
    expect(router.match('GET', '/zones/_overview')).toMatchObject({
      kind: 'found',
      route: '/zones/_overview',
    });
    expect(router.match('GET', '/zones/zone-1')).toMatchObject({
      route: '/zones/:name',
      params: { name: 'zone-1' },
    });
  });

  it('decodes parameters and ignores trailing slashes', () => {
    expect(router.match('get', '/meshes/default/traffic-permissions/a%2Fb/')).toMatchObject({
      params: { mesh: 'default', plural: 'traffic-permissions', name: 'a/b' },
    });
  });

  it('tells a wrong method from an unknown path', () => {
    expect(router.match('DELETE', '/zones/x')).toEqual({ kind: 'method-not-allowed', allowed: ['GET'] });
    expect(router.match('GET', '/nope')).toEqual({ kind: 'not-found' });
  });

  it('refuses a route registered twice', () => {
    expect(() => createRouter().get('/a', ok).get('/a', ok)).toThrow(/twice/);
  });
});
