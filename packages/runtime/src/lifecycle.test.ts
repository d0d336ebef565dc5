import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLifecycle, type Component } from './lifecycle.js';

const log = pino({ level: 'silent' });

function recorder(events: string[], name: string, failStart = false): Component {
  return {
    name,
    async start(signal) {
      if (failStart) throw new Error(`${name} cannot start`);
      events.push(`start ${name}`);
      const done = new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          setTimeout(() => {
            events.push(`stopped ${name}`);
            resolve();
          }, 10);
        });
      });
      return { done };
    },
  };
}

describe('lifecycle', () => {
  it('starts in order and stops in reverse order, each after the later ones are done', async () => {
    const events: string[] = [];
    const lifecycle = createLifecycle({ log });
    lifecycle.add(recorder(events, 'a'));
    lifecycle.add(recorder(events, 'b'));
    await lifecycle.start();
    expect(events).toEqual(['start a', 'start b']);
    expect(lifecycle.signal.aborted).toBe(false);
    await lifecycle.stop('test');
    expect(lifecycle.signal.aborted).toBe(true);
    expect(events.slice(2)).toEqual(['stopped b', 'stopped a']);
    await lifecycle.done;
  });

  it('stops what started when a later component fails to start', async () => {
    const events: string[] = [];
    const lifecycle = createLifecycle({ log });
    lifecycle.add(recorder(events, 'a'));
    lifecycle.add(recorder(events, 'b', true));
    lifecycle.add(recorder(events, 'c'));
    await expect(lifecycle.start()).rejects.toThrow('b cannot start');
    expect(events).toEqual(['start a', 'stopped a']);
  });

  it('refuses components added after start', async () => {
    const lifecycle = createLifecycle({ log });
    await lifecycle.start();
    expect(() => lifecycle.add(recorder([], 'late'))).toThrow(/after start/);
    await lifecycle.stop();
  });
});
