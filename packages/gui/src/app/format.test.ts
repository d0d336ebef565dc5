import { describe, expect, it } from 'vitest';
import { ago, extraTags, parseTags, plural } from './format.ts';

describe('ago', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it('says how long ago in the largest sensible unit', () => {
    expect(ago('2024-05-01T12:00:00Z', now)).toBe('just now');
    expect(ago('2024-05-01T11:59:48Z', now)).toBe('12 s ago');
    expect(ago('2024-05-01T11:56:00Z', now)).toBe('4 min ago');
    expect(ago('2024-05-01T09:00:00Z', now)).toBe('3 h ago');
    expect(ago('2024-04-28T12:00:00Z', now)).toBe('3 d ago');
  });
  it('shows a dash for no time or a time that does not parse', () => {
    expect(ago(undefined, now)).toBe('—');
    expect(ago('yesterday', now)).toBe('—');
  });
});

describe('parseTags', () => {
  it('reads name=value pairs separated by commas, as zmctl does', () => {
    expect(parseTags('kuma.io/service=web, version=v1')).toEqual({
      tags: { 'kuma.io/service': 'web', version: 'v1' },
    });
  });
  it('names the problem: empty, not name=value, characters Kuma refuses, repeated names', () => {
    expect(parseTags('  ')).toEqual({ problem: 'is empty: write tags as name=value, separated by commas' });
    expect(parseTags('web')).toEqual({ problem: '"web" is not name=value' });
    expect(parseTags('kuma.io/service=a b')).toEqual({
      problem: 'tag value "a b" has characters Kuma does not allow',
    });
    expect(parseTags('a=1,a=2')).toEqual({ problem: 'tag "a" is given twice' });
  });
});

describe('plural and extraTags', () => {
  it('writes counts with the right noun and sorts the tags a row shows', () => {
    expect(plural(1, 'zone')).toBe('1 zone');
    expect(plural(2, 'mesh', 'meshes')).toBe('2 meshes');
    expect(extraTags({ version: 'v1', 'kuma.io/service': 'web', env: 'prod' }, ['kuma.io/service'])).toEqual([
      ['env', 'prod'],
      ['version', 'v1'],
    ]);
  });
});
