/**
 * A real redis-server for tests and benchmarks, on a free port with its own data folder. Falls
 * back to a container when the binary is missing and a container runtime answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { containerRuntimeAnswers, type StartedContainer, startContainer } from './container-runtime.js';
import { findBinary, MissingBinaryError } from './find-binary.js';
import { freePort } from './free-port.js';
import { type ManagedProcess, registerCleanup, startProcess } from './managed-process.js';
import type { RestartableServer } from './restartable-server.js';

/** The install command named when redis-server is missing. */
export const redisInstallHint = 'apt-get install -y redis-server';

export interface StartRedisOptions {
  /** Default: a free port. */
  readonly port?: number;
  /** Data folder. Default: a fresh temporary folder, removed by `stop()` and at process exit. */
  readonly dir?: string;
  /**
   * Append-only file with `appendfsync always`: every acknowledged write survives `restart()` and
   * even `kill()`. Default false (no persistence at all, fastest: what benchmarks want).
   */
  readonly appendonly?: boolean;
}

/** A running redis-server. */
export interface RedisServer extends RestartableServer {
  /** `redis://127.0.0.1:<port>`; for a container, its mapped address (may change on restart). */
  readonly url: string;
  readonly port: number;
  /** The data folder (inside the container for the container fallback). */
  readonly dir: string;
}

/**
 * Starts redis-server on 127.0.0.1 and resolves once it answers PING (after loading its data).
 * Without the binary: a `redis:7` container when a container runtime answers, otherwise a
 * {@link MissingBinaryError} naming `apt-get install -y redis-server`.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  let binary: string;
  try {
    binary = findBinary('redis-server', redisInstallHint);
  } catch (err) {
    if (err instanceof MissingBinaryError && (await containerRuntimeAnswers())) {
      return startRedisContainer(options);
    }
    throw err;
  }
  return startRedisProcess(binary, options);
}

async function startRedisProcess(binary: string, options: StartRedisOptions): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'zonemesh-redis-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  const unregisterCleanup = ownsDir ? registerCleanup(removeDir) : () => false;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendonly === true ? 'yes' : 'no',
    '--appendfsync',
    'always',
    '--daemonize',
    'no',
    '--protected-mode',
    'no',
    '--logfile',
    '',
  ];

  const launch = async (): Promise<ManagedProcess> => {
    const child = await startProcess({
      command: binary,
      args,
      name: `redis-server :${port}`,
      readyPort: port,
    });
    try {
      await waitForPong(port, 15_000);
    } catch (err) {
      await child.kill();
      throw new Error(`redis-server :${port} did not answer PING: ${String(err)}\n${child.output()}`, {
        cause: err,
      });
    }
    return child;
  };

  let child = await launch();
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    isRunning: () => child.isRunning(),
    output: () => child.output(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await child.stop('SIGTERM');
      if (ownsDir) {
        removeDir();
        unregisterCleanup();
      }
    },
    async kill() {
      await child.kill();
    },
    async restart() {
      if (stopped) throw new Error(`redis-server :${port} was stopped for good; start a new one`);
      await child.stop('SIGTERM');
      child = await launch();
    },
  };
}

/**
 * Waits for `+PONG`: the port answers before an append-only file is loaded, and Redis replies
 * `-LOADING` until then.
 */
async function waitForPong(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await ping(port);
    if (last.startsWith('+PONG')) return;
    await sleep(50);
  }
  throw new Error(`last reply: ${last || 'none'}`);
}

function ping(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (): void => {
      socket.destroy();
      resolve(reply);
    };
    socket.setTimeout(1_000, done);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done();
    });
    socket.once('error', done);
    socket.once('close', done);
  });
}

async function startRedisContainer(options: StartRedisOptions): Promise<RedisServer> {
  const command = ['redis-server', '--save', '', '--appendonly', options.appendonly === true ? 'yes' : 'no'];
  command.push('--appendfsync', 'always');
  const container: StartedContainer = await startContainer('redis:7', 6379, command);
  let running = true;
  let stopped = false;
  const address = (): { url: string; port: number } => {
    const port = container.getMappedPort(6379);
    return { url: `redis://${container.getHost()}:${port}`, port };
  };
  return {
    get url() {
      return address().url;
    },
    get port() {
      return address().port;
    },
    dir: '/data',
    isRunning: () => running,
    output: () => '',
    async stop() {
      if (stopped) return;
      stopped = true;
      running = false;
      await container.stop();
    },
    async kill() {
      running = false;
      await container.stop({ timeout: 0, remove: false });
    },
    async restart() {
      if (stopped) throw new Error('the redis container was stopped for good; start a new one');
      await container.restart();
      running = true;
    },
  };
}
