import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('logger', () => {
  it('writes JSON lines with a level word and redacts secrets', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const log = createLogger({ destination, base: { service: 'test' } }).child({ component: 'api' });
    log.info({ token: 'abc', nats: { password: 'pw', url: 'nats://x' }, zone: 'z1' }, 'zone connected');
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'info',
      msg: 'zone connected',
      service: 'test',
      component: 'api',
      token: '[redacted]',
      nats: { password: '[redacted]', url: 'nats://x' },
      zone: 'z1',
    });
    expect(typeof line.time).toBe('string');
    expect(lines.join('')).not.toContain('abc');
  });
});
