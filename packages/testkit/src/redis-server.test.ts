import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RedisServer, startRedis } from './redis-server.js';

const servers: RedisServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function start(options: Parameters<typeof startRedis>[0] = {}): Promise<RedisServer> {
  const server = await startRedis(options);
  servers.push(server);
  return server;
}

/** One RESP command over a raw socket: the testkit has no Redis client of its own. */
function command(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(2_000, () => {
      socket.destroy();
      reject(new Error(`no reply from :${port}`));
    });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(
        `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      const complete = reply.startsWith('$')
        ? /^\$-1\r\n|^\$\d+\r\n[^]*\r\n$/.test(reply)
        : reply.endsWith('\r\n');
      if (complete) {
        socket.destroy();
        resolve(reply.trimEnd());
      }
    });
  });
}

/** Runs an ES module script in a child node process; resolves with its stdout and how it ended. */
function runNode(script: string): Promise<{ stdout: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (_code, signal) => resolve({ stdout, signal }));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function pidOf(server: RedisServer): Promise<number> {
  const info = await command(server.port, 'INFO', 'server');
  const pid = /process_id:(\d+)/.exec(info)?.[1];
  if (pid === undefined) throw new Error(`no process_id in INFO: ${info}`);
  return Number(pid);
}

describe('startRedis', () => {
  it('starts on a free port, answers, and stop() leaves no process and no folder', async () => {
    const server = await start();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await command(server.port, 'SET', 'k', 'v')).toBe('+OK');
    expect(await command(server.port, 'GET', 'k')).toBe('$1\r\nv');
    const pid = await pidOf(server);
    expect(existsSync(server.dir)).toBe(true);

    await server.stop();
    expect(alive(pid)).toBe(false);
    expect(server.isRunning()).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
    await server.stop();
  });

  it('keeps appendonly data across restart() and kill() + restart(), on the same port', async () => {
    const server = await start({ appendonly: true });
    await command(server.port, 'SET', 'before-restart', '1');
    await server.restart();
    expect(await command(server.port, 'GET', 'before-restart')).toBe('$1\r\n1');

    await command(server.port, 'SET', 'before-crash', '2');
    const pid = await pidOf(server);
    await server.kill();
    expect(alive(pid)).toBe(false);
    await expect(command(server.port, 'PING')).rejects.toThrow(/ECONNREFUSED/);
    await server.restart();
    expect(await command(server.port, 'GET', 'before-crash')).toBe('$1\r\n2');
  });

  it('without appendonly a restart starts empty', async () => {
    const server = await start();
    await command(server.port, 'SET', 'k', 'v');
    await server.restart();
    expect(await command(server.port, 'GET', 'k')).toBe('$-1');
  });

  it('refuses to restart after stop()', async () => {
    const server = await start();
    await server.stop();
    await expect(server.restart()).rejects.toThrow(/stopped for good/);
  });

  it('leaves no redis-server behind when the owning process is ended by SIGTERM or exits', async () => {
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    expect(existsSync(dist), 'build @zonemesh/testkit first (pnpm --filter @zonemesh/testkit build)').toBe(
      true,
    );
    for (const ending of ['sigterm', 'exit'] as const) {
      const script = `
        const { startRedis } = await import(${JSON.stringify(dist)});
        const server = await startRedis();
        console.log(JSON.stringify({ port: server.port, dir: server.dir }));
        if (${JSON.stringify(ending)} === 'exit') process.exit(0);
        process.kill(process.pid, 'SIGTERM');
        setInterval(() => {}, 1000);`;
      const { stdout, signal } = await runNode(script);
      expect(signal).toBe(ending === 'sigterm' ? 'SIGTERM' : null);
      const { port, dir } = JSON.parse(stdout) as { port: number; dir: string };
      // The owner's exit handler sends SIGKILL synchronously; the server may take a moment to go.
      await vi.waitFor(
        () =>
          expect(
            command(port, 'PING'),
            `redis-server :${port} survived its owner (${ending})`,
          ).rejects.toThrow(/ECONNREFUSED/),
        { timeout: 5_000, interval: 50 },
      );
      expect(existsSync(dir)).toBe(false);
    }
  });
});
