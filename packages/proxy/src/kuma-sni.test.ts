import { isMeshError } from '@zonemesh/api';
import { describe, expect, it } from 'vitest';
import { formatKumaSni, parseKumaSni } from './kuma-sni.js';

const fieldOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return isMeshError(err, 'InvalidInput') ? err.causes[0]?.field : 'other error';
  }
  return 'no error';
};

describe('Kuma SNI', () => {
  it('formats service{tags} with mesh among the tags, keys sorted', () => {
    expect(formatKumaSni({ service: 'backend', mesh: 'default', tags: {} })).toBe('backend{mesh=default}');
    expect(
      formatKumaSni({
        service: 'backend',
        mesh: 'default',
        tags: { version: 'v1', 'kuma.io/zone': 'zone-2' },
      }),
    ).toBe('backend{kuma.io/zone=zone-2,mesh=default,version=v1}');
  });

  it('parses what it formats, and SNIs in any key order', () => {
    const sni = {
      service: 'backend_kuma-demo_svc_3001',
      mesh: 'default',
      tags: { version: 'v1', team: 'a' },
    };
    expect(parseKumaSni(formatKumaSni(sni))).toEqual(sni);
    expect(parseKumaSni('web{version=v2,mesh=m}')).toEqual({
      service: 'web',
      mesh: 'm',
      tags: { version: 'v2' },
    });
  });

  it('refuses SNIs without braces, mesh or proper pairs, and repeated keys', () => {
    const bad = [
      'backend',
      'backend{}',
      '{mesh=default}',
      'backend{version=v1}',
      'backend{mesh=a,mesh=b}',
      'b{mesh=a,x}',
      'b{mesh=a,v=1,v=2}',
      'b{mesh=a}x',
      'b{mesh=a,kuma.io/service=c}',
    ];
    expect(bad.map((sni) => [sni, fieldOf(() => parseKumaSni(sni))])).toEqual(bad.map((sni) => [sni, 'sni']));
  });

  it('does not let a crafted tag name touch the prototype', () => {
    const parsed = parseKumaSni('b{__proto__=x,mesh=a}');
    expect(Object.getPrototypeOf(parsed.tags)).toBe(Object.prototype);
    expect(Object.keys(parsed.tags)).toEqual(['__proto__']);
  });

  it('refuses tags that would make the SNI ambiguous, naming the field', () => {
    expect(fieldOf(() => formatKumaSni({ service: 'a,b', mesh: 'm', tags: {} }))).toBe('service');
    expect(fieldOf(() => formatKumaSni({ service: 'a', mesh: 'm}', tags: {} }))).toBe('mesh');
    expect(fieldOf(() => formatKumaSni({ service: 'a', mesh: 'm', tags: { v: 'x=y' } }))).toBe('tags.v');
    expect(fieldOf(() => formatKumaSni({ service: 'a', mesh: 'm', tags: { mesh: 'other' } }))).toBe(
      'tags.mesh',
    );
  });
});
