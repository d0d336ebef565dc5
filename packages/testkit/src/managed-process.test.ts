import { afterEach, describe, expect, it, vi } from 'vitest';
import { MissingBinaryError, findBinary, locateBinary } from './find-binary.js';
import { freePort } from './free-port.js';
import { type ManagedProcess, runningProcessCount, startProcess } from './managed-process.js';

const started: ManagedProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((child) => child.kill()));
});

/** A tiny TCP server in a node child process: a stand-in for a server binary. */
function nodeServer(port: number, delayMs = 0): { command: string; args: string[] } {
  const script = `
    process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); });
    setTimeout(() => require('node:net').createServer((s) => s.end()).listen(${port}, '127.0.0.1',
      () => console.log('listening on ${port}')), ${delayMs});`;
  return { command: process.execPath, args: ['-e', script] };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startProcess', () => {
  it('waits until the port answers, captures output, and stop() waits for the exit', async () => {
    const port = await freePort();
    const child = await startProcess({ ...nodeServer(port, 300), name: 'fake', readyPort: port });
    started.push(child);
    expect(child.isRunning()).toBe(true);
    // The port can answer before the child's stdout has reached us through the pipe.
    await vi.waitFor(() => expect(child.output()).toContain(`listening on ${port}`), { timeout: 5_000 });
    expect(runningProcessCount()).toBeGreaterThanOrEqual(1);

    const exit = await child.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    await vi.waitFor(() => expect(child.output()).toContain('got SIGTERM'), { timeout: 5_000 });
    expect(child.isRunning()).toBe(false);
    expect(alive(child.pid)).toBe(false);
    expect(await child.stop()).toEqual(exit);
  });

  it('kill() ends the process with SIGKILL', async () => {
    const port = await freePort();
    const child = await startProcess({ ...nodeServer(port), readyPort: port });
    started.push(child);
    expect(await child.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(alive(child.pid)).toBe(false);
  });

  it('escalates to SIGKILL when the process ignores the stop signal', async () => {
    const child = await startProcess({
      command: process.execPath,
      args: ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('up')"],
    });
    started.push(child);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await child.stop('SIGTERM', 300)).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('fails with the output when the process exits before its port answers', async () => {
    const port = await freePort();
    const attempt = startProcess({
      command: process.execPath,
      args: ['-e', "console.error('bad config line 3'); process.exit(3)"],
      name: 'broken',
      readyPort: port,
    });
    await expect(attempt).rejects.toThrow(
      /broken did not become ready: it exited \(code 3[\s\S]*bad config line 3/,
    );
  });

  it('fails at the deadline and kills the process when the port never answers', async () => {
    const port = await freePort();
    const before = runningProcessCount();
    const attempt = startProcess({
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      name: 'silent',
      readyPort: port,
      readyTimeoutMs: 500,
    });
    await expect(attempt).rejects.toThrow(
      /silent did not become ready: port 127\.0\.0\.1:\d+ did not answer/,
    );
    expect(runningProcessCount()).toBe(before);
  });

  it('fails clearly when the command does not exist', async () => {
    await expect(startProcess({ command: '/nonexistent/server' })).rejects.toThrow(
      /could not be started: .*ENOENT/,
    );
  });
});

describe('findBinary', () => {
  it('finds an installed binary and names the install command for a missing one', () => {
    expect(locateBinary('node')).toMatch(/\/node$/);
    expect(() => findBinary('zonemesh-no-such-server', 'apt-get install -y zonemesh-no-such-server')).toThrow(
      new MissingBinaryError('zonemesh-no-such-server', 'apt-get install -y zonemesh-no-such-server'),
    );
    expect(() => findBinary('zonemesh-no-such-server', 'apt-get install -y x')).toThrow(
      /`apt-get install -y x`/,
    );
  });
});
