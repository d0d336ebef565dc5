import { describe, expect, it } from 'vitest';
import {
  decodeToken,
  encodeToken,
  globalKey,
  isZoneName,
  parseGlobalKey,
  parseZoneKey,
  zoneKey,
  zoneOfReadyKey,
  zoneReadyKey,
} from './kv-keys.js';

const validKvKey = /^[-/_=.a-zA-Z0-9]+$/;

describe('kv keys', () => {
  it.each(['web', 'zone-1.web-1', 'a_b', 'ünïcode/ñame', 'x=y', 'sp ace', '.leading', '*', '>'])(
    'escapes %j into one subject token and back',
    (name) => {
      const token = encodeToken(name);
      expect(token).toMatch(/^[A-Za-z0-9_=-]+$/);
      expect(decodeToken(token)).toBe(name);
    },
  );

  it('refuses tokens encodeToken cannot produce', () => {
    expect(decodeToken('a.b')).toBeUndefined();
    expect(decodeToken('=2')).toBeUndefined();
    expect(decodeToken('=61')).toBeUndefined(); // an escaped plain "a": not canonical
    expect(decodeToken('=FF')).toBeUndefined(); // not UTF-8
    expect(decodeToken('')).toBeUndefined();
  });

  it('lays out global keys as <Kind>.<mesh|_>.<name> and parses them back', () => {
    const key = globalKey({ type: 'TrafficPermission', mesh: 'default', name: 'allow.all' });
    expect(key).toBe('TrafficPermission.default.allow=2Eall');
    expect(key).toMatch(validKvKey);
    expect(parseGlobalKey(key)).toEqual({
      ok: true,
      value: { type: 'TrafficPermission', mesh: 'default', name: 'allow.all' },
    });
    expect(globalKey({ type: 'ZoneIngress', name: 'zone-1.ingress' })).toBe('ZoneIngress._.zone-1=2Eingress');
    expect(parseGlobalKey('ZoneIngress._.zone-1=2Eingress')).toEqual({
      ok: true,
      value: { type: 'ZoneIngress', name: 'zone-1.ingress' },
    });
  });

  it('says why a global key is not valid', () => {
    expect(parseGlobalKey('Bogus._.x')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('unknown kind'),
    });
    expect(parseGlobalKey('Mesh.default.x')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('mesh token'),
    });
    expect(parseGlobalKey('Mesh._')).toMatchObject({ ok: false });
    expect(parseGlobalKey('Dataplane.default.a.b')).toMatchObject({ ok: false });
  });

  it('prefixes zone keys with the zone name, which stays a literal subject token', () => {
    const key = zoneKey('zone-1', { type: 'Dataplane', mesh: 'default', name: 'web-1' });
    expect(key).toBe('zone-1.Dataplane.default.web-1');
    expect(parseZoneKey(key)).toEqual({
      ok: true,
      value: { zone: 'zone-1', key: { type: 'Dataplane', mesh: 'default', name: 'web-1' } },
    });
    expect(parseZoneKey('Zone_1.Dataplane.default.web-1')).toMatchObject({ ok: false });
    expect(zoneOfReadyKey(zoneReadyKey('zone-1'))).toBe('zone-1');
    expect(zoneOfReadyKey('zone-1.Dataplane.default.x')).toBeUndefined();
  });

  it('accepts DNS labels as zone names only', () => {
    expect(isZoneName('zone-1')).toBe(true);
    expect(isZoneName('a')).toBe(true);
    expect(isZoneName('Zone-1')).toBe(false);
    expect(isZoneName('-zone')).toBe(false);
    expect(isZoneName('zone.1')).toBe(false);
    expect(isZoneName('z'.repeat(64))).toBe(false);
  });
});
