/**
 * The built `zonemesh-cp` as a process: help and usage errors, the `ready` line, `/ready`,
 * SIGTERM, and a zone on Redis keeping its data across a restart.
 * Needs `pnpm --filter @zonemesh/control-plane build` first (tests run the built bin).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, startRedis, type ManagedProcess } from '@zonemesh/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/zonemesh-cp.js', import.meta.url));
const started: ManagedProcess[] = [];

afterAll(async () => {
  await Promise.all(started.map((process) => process.stop('SIGKILL')));
});

/** Runs the bin to completion (for --help and usage errors). */
function runToEnd(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function startCp(args: string[]): Promise<{ process: ManagedProcess; base: string }> {
  const port = await freePort();
  const cp = await startProcess({
    command: process.execPath,
    args: [bin, 'run', '--api-address', `127.0.0.1:${port}`, ...args],
    env: { PATH: process.env.PATH ?? '' },
    name: 'zonemesh-cp',
    readyPort: port,
  });
  started.push(cp);
  return { process: cp, base: `http://127.0.0.1:${port}` };
}

/** The JSON log lines printed so far. */
function logLines(cp: ManagedProcess): Record<string, unknown>[] {
  return cp
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('zonemesh-cp process', () => {
  it('prints help with every flag and its env name', async () => {
    const { code, stdout } = await runToEnd(['run', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: zonemesh-cp run --mode global|zone');
    expect(stdout).toContain('ZONEMESH_ZONE_OFFLINE_TIMEOUT');
  });

  it('exits 2 listing every configuration problem', async () => {
    const { code, stderr } = await runToEnd(['run', '--mode', 'moon', '--store', 'etcd']);
    expect(code).toBe(2);
    expect(stderr).toContain('--mode: must be global or zone');
    expect(stderr).toContain('--store: must be memory, redis or kubernetes');
  });

  it('creates Mesh default at start, as Kuma does, unless told not to', async () => {
    const withMesh = await startCp(['--mode', 'global']);
    expect((await fetch(`${withMesh.base}/meshes/default`)).status).toBe(200);
    const without = await startCp(['--mode', 'zone', '--skip-default-mesh']);
    expect((await fetch(`${without.base}/meshes/default`)).status).toBe(404);
    await Promise.all([withMesh.process.stop('SIGTERM'), without.process.stop('SIGTERM')]);
  });

  it('logs one ready line, serves /ready, and exits 0 on SIGTERM', async () => {
    const { process: cp, base } = await startCp(['--mode', 'global']);
    await waitFor(() => logLines(cp).some((line) => line.msg === 'ready'), 'the ready line');
    const ready = logLines(cp).filter((line) => line.msg === 'ready');
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatchObject({ level: 'info', service: 'zonemesh-cp', mode: 'global' });
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect(await cp.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(logLines(cp).some((line) => line.msg === 'stopped')).toBe(true);
  });

  it('a zone on Redis keeps serving its data after a restart', async () => {
    const redis = await startRedis();
    try {
      const args = ['--mode', 'zone', '--zone', 'zone-1', '--store', 'redis', '--redis-url', redis.url];
      const first = await startCp(args);
      const put = (path: string, body: string) =>
        fetch(`${first.base}${path}`, {
          method: 'PUT',
          body,
          headers: { 'content-type': 'application/yaml' },
        });
      expect((await put('/meshes/default', 'type: Mesh\nname: default\n')).status).toBe(200);
      const tp =
        'type: TrafficPermission\nname: tp-1\nmesh: default\nsources:\n  - match:\n      kuma.io/service: web\ndestinations:\n  - match:\n      kuma.io/service: backend\n';
      expect((await put('/meshes/default/traffic-permissions/tp-1', tp)).status).toBe(201);
      expect(await first.process.stop('SIGTERM')).toEqual({ code: 0, signal: null });

      const second = await startCp(args);
      const response = await fetch(`${second.base}/meshes/default/traffic-permissions/tp-1`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        name: 'tp-1',
        sources: [{ match: { 'kuma.io/service': 'web' } }],
      });
      expect(await second.process.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    } finally {
      await redis.stop();
    }
  });

  it('serves /ready even while Redis is unreachable', async () => {
    const deadPort = await freePort();
    const { process: cp, base } = await startCp([
      '--mode',
      'zone',
      '--store',
      'redis',
      '--redis-url',
      `redis://127.0.0.1:${deadPort}`,
    ]);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const list = await fetch(`${base}/meshes`);
    expect(list.status).toBe(503);
    expect(await cp.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
