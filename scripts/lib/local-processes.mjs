/**
 * Processes on this machine for the demo: free ports, spawning with captured output, waiting for
 * an outcome with a deadline, and stopping everything that was started (SIGTERM, then SIGKILL
 * after a grace period). Plain Node, no dependencies: it runs before and without the workspace's
 * own test kit.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';

/** A port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value (returned) or `ms` pass (undefined). Errors count as "not yet". */
export async function waitFor(fn, ms, stepMs = 100) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) return undefined;
    await sleep(stepMs);
  }
}

/** Starts and tracks child processes; `stopAll` ends them in reverse start order. */
export function createProcessGroup() {
  const children = [];
  return {
    start(name, command, args) {
      const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const keep = (d) => {
        output = (output + d).slice(-20_000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.on('error', (err) => keep(`spawn failed: ${err.message}\n`));
      const handle = {
        name,
        child,
        get output() {
          return output;
        },
        get running() {
          return child.exitCode === null && child.signalCode === null;
        },
        stop: (signal = 'SIGTERM') => stopOne(handle, signal),
      };
      children.push(handle);
      return handle;
    },
    async stopAll() {
      await Promise.all([...children].reverse().map((h) => stopOne(h, 'SIGTERM')));
    },
  };
}

async function stopOne(handle, signal) {
  if (!handle.running) return;
  const exited = new Promise((r) => handle.child.once('exit', r));
  handle.child.kill(signal);
  const gone = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
  if (!gone) {
    handle.child.kill('SIGKILL');
    await exited;
  }
}
