import { describe, expect, it } from 'vitest';
import { href, parseHash, withQuery } from './hash-route.ts';

describe('hash routes', () => {
  it('round-trips segments with characters that need encoding', () => {
    const link = href('meshes', 'default', 'dataplanes', 'zone-1.web/1');
    expect(link).toBe('#/meshes/default/dataplanes/zone-1.web%2F1');
    expect(parseHash(link).segments).toEqual(['meshes', 'default', 'dataplanes', 'zone-1.web/1']);
  });
  it('keeps the question of the traffic page in the link', () => {
    const link = withQuery(href('meshes', 'default', 'traffic'), {
      source: 'kuma.io/service=web',
      destination: '',
    });
    expect(link).toBe('#/meshes/default/traffic?source=kuma.io%2Fservice%3Dweb');
    const route = parseHash(link);
    expect(route.segments).toEqual(['meshes', 'default', 'traffic']);
    expect(route.query.get('source')).toBe('kuma.io/service=web');
    expect(route.query.get('destination')).toBeNull();
  });
  it('reads an empty or malformed fragment without failing', () => {
    expect(parseHash('').segments).toEqual([]);
    expect(parseHash('#/meshes/%E0%A4%A').segments).toEqual(['meshes', '%E0%A4%A']);
  });
});
