import net from 'node:net';
import { createLogger } from '@zonemesh/runtime';
import { freePort } from '@zonemesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createListener } from './listener.js';

const open: net.Socket[] = [];
afterEach(() => {
  for (const socket of open.splice(0)) socket.destroy();
});

/** Connects and resolves with whether the connection was closed by the server within 500 ms. */
function closedByServer(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    open.push(socket);
    const timer = setTimeout(() => resolve(false), 500);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.on('error', () => undefined);
  });
}

describe('sidecar listener', () => {
  it('closes connections past its cap and accepts again once some end', async () => {
    const port = await freePort();
    const accepted: net.Socket[] = [];
    const controller = new AbortController();
    const listener = createListener({
      address: '127.0.0.1',
      port,
      log: createLogger({ level: 'silent' }),
      signal: controller.signal,
      maxConnections: 2,
      onConnection: (socket) => accepted.push(socket),
    });
    await listener.bound;
    try {
      expect(await Promise.all([closedByServer(port), closedByServer(port)])).toEqual([false, false]);
      expect(await closedByServer(port)).toBe(true);
      accepted[0]?.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await closedByServer(port)).toBe(false);
    } finally {
      for (const socket of accepted) socket.destroy();
      await listener.close();
    }
  });
});
