import { describe, expect, it } from 'vitest';
import { compareInstants, parseInstant } from './creation-time.js';

describe('creation times', () => {
  it('keeps nanoseconds (Kuma fixtures differ by 1 ns)', () => {
    const earlier = parseInstant('1970-01-01T00:00:01Z');
    const later = parseInstant('1970-01-01T00:00:01.000000001Z');
    expect(earlier && later && compareInstants(later, earlier)).toBeGreaterThan(0);
  });

  it('honours offsets and the year 1', () => {
    expect(parseInstant('2024-01-01T02:00:00+02:00')).toEqual(parseInstant('2024-01-01T00:00:00Z'));
    expect(parseInstant('0001-01-01T00:00:00Z')).toEqual({ seconds: -62135596800, nanos: 0 });
  });

  it.each(['yesterday', '2024-01-01', '2024-13-01T00:00:00Z', '2024-01-01T00:00:00'])(
    'refuses %s',
    (text) => {
      expect(parseInstant(text)).toBeUndefined();
    },
  );
});
