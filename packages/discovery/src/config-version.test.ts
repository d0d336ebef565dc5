import { describe, expect, it } from 'vitest';
import { canonicalJson, configVersion } from './config-version.js';

describe('config versions', () => {
  it('are equal for equal content whatever the key order, and differ otherwise', () => {
    expect(configVersion({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      configVersion({ b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
    expect(configVersion({ a: 1, b: { c: [2, 1] } })).not.toBe(configVersion({ a: 1, b: { c: [1, 2] } }));
    expect(configVersion({})).toMatch(/^[0-9a-f]{16}$/);
    expect(canonicalJson({ b: undefined, a: null })).toBe('{"a":null}');
  });
});
