import { describe, expect, it } from 'vitest';
import { createRootCa } from './root-ca.js';
import { rotationTime, shouldRotate, validityOf } from './rotation.js';

const hour = 3600 * 1000;
const at = (ms: number) => new Date(ms);

describe('rotation', () => {
  const validity = { notBefore: at(0), notAfter: at(10 * hour) };

  it('rotates from 80% of the lifetime on, and when expired', () => {
    expect(rotationTime(validity).getTime()).toBe(8 * hour);
    expect(shouldRotate(validity, at(8 * hour - 1))).toBe(false);
    expect(shouldRotate(validity, at(8 * hour))).toBe(true);
    expect(shouldRotate(validity, at(11 * hour))).toBe(true);
  });

  it('rotates a certificate that is not valid yet (the clock moved back)', () => {
    expect(shouldRotate(validity, at(-1))).toBe(true);
  });

  it('takes another threshold, and refuses one outside (0, 1)', () => {
    expect(shouldRotate(validity, at(5 * hour), 0.5)).toBe(true);
    expect(shouldRotate(validity, at(5 * hour - 1), 0.5)).toBe(false);
    expect(() => rotationTime(validity, 1)).toThrow(/fraction/);
  });

  it('reads the window of a PEM certificate', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const root = await createRootCa({ mesh: 'default', lifetime: 100 * hour, now });
    const window = validityOf(root.certPem);
    expect(window.notAfter.toISOString()).toBe('2030-01-05T04:00:00.000Z');
    expect(shouldRotate(root.certPem, new Date('2030-01-04T00:00:00Z'))).toBe(false);
    expect(shouldRotate(root.certPem, new Date('2030-01-04T12:00:00Z'))).toBe(true);
  });
});
