import { describe, expect, it } from 'vitest';
import { isGoDuration, parseGoDuration, parseKumaDuration } from './duration.js';

describe('Go durations', () => {
  it.each([
    ['10s', 10e9],
    ['1m30s', 90e9],
    ['1.5h', 5400e9],
    ['200ms', 200e6],
    ['.5s', 5e8],
    ['-3s', -3e9],
    ['0', 0],
    ['0s', 0],
    ['1h2m3s4ms5us6ns', 3723004005006],
  ])('%s is %d ns', (text, nanos) => {
    expect(parseGoDuration(text)).toBe(nanos);
  });

  it.each(['', '10', 's', '1d', '1 s', '10S', '--1s', '1.s.s', 'abc'])('refuses %j', (text) => {
    expect(isGoDuration(text)).toBe(false);
  });

  it('reads whole days for Kuma mesh settings', () => {
    expect(parseKumaDuration('1d')).toBe(86_400e9);
    expect(parseKumaDuration('36h')).toBe(129_600e9);
    expect(parseKumaDuration('1.5d')).toBeUndefined();
  });
});
