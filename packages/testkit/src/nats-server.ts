/**
 * Real nats-server processes for tests: one JetStream server on free ports, or a hub with one
 * leaf node per zone (JetStream domains `hub` and the zone's name on the two sides, as the
 * sync layer expects them in production).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findBinary } from './find-binary.js';
import { freePort } from './free-port.js';
import { type ManagedProcess, registerCleanup, startProcess } from './managed-process.js';
import type { RestartableServer } from './restartable-server.js';

/** The install command named when nats-server is missing. */
export const natsInstallHint = 'apt-get install -y nats-server';

export interface StartNatsOptions {
  /** Client port. Default: a free port. */
  readonly port?: number;
  /**
   * JetStream store folder. Default: a fresh temporary folder, removed by `stop()` and at process
   * exit. A given folder is never removed.
   */
  readonly storeDir?: string;
  /** Extra configuration text appended to the generated file (accounts, leafnodes, ...). */
  readonly config?: string;
  /** JetStream domain (`jetstream { domain: ... }`); required on both sides of a leaf node. */
  readonly domain?: string;
  /** `server_name`; default `nats-<port>`. Must differ between servers that see each other. */
  readonly name?: string;
}

/** A running nats-server with JetStream. */
export interface NatsServer extends RestartableServer {
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** The JetStream store folder (kept across `kill()` and `restart()`). */
  readonly storeDir: string;
  /** HTTP monitoring port (`/healthz`, `/leafz`, `/jsz`), also kept across restarts. */
  readonly monitorPort: number;
  /** The generated configuration file. */
  readonly configFile: string;
  readonly name: string;
}

/**
 * Starts nats-server with JetStream on 127.0.0.1 and resolves once its health check (JetStream
 * included) answers ok. Without the binary it fails with one sentence naming
 * `apt-get install -y nats-server`.
 */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsServer> {
  const binary = findBinary('nats-server', natsInstallHint);
  const port = options.port ?? (await freePort());
  const monitorPort = await freePort();
  const name = options.name ?? `nats-${port}`;
  const workDir = mkdtempSync(join(tmpdir(), 'zonemesh-nats-'));
  const ownsStoreDir = options.storeDir === undefined;
  const storeDir = options.storeDir ?? join(workDir, 'jetstream');
  mkdirSync(storeDir, { recursive: true });
  const removeFolders = (): void => {
    rmSync(workDir, { recursive: true, force: true });
    if (ownsStoreDir) rmSync(storeDir, { recursive: true, force: true });
  };
  const unregisterCleanup = registerCleanup(removeFolders);

  const configFile = join(workDir, 'nats.conf');
  writeFileSync(configFile, natsConfig({ name, port, monitorPort, storeDir, options }));

  const launch = async (): Promise<ManagedProcess> => {
    const child = await startProcess({
      command: binary,
      args: ['-c', configFile],
      name: `nats-server ${name} :${port}`,
      readyPort: port,
    });
    try {
      await waitForHealthy(monitorPort, 15_000);
    } catch (err) {
      await child.kill();
      throw new Error(
        `nats-server ${name} :${port} did not become healthy: ${String(err)}\n${child.output()}`,
        {
          cause: err,
        },
      );
    }
    return child;
  };

  let child = await launch();
  let stopped = false;
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    monitorPort,
    configFile,
    name,
    isRunning: () => child.isRunning(),
    output: () => child.output(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await child.stop('SIGTERM');
      removeFolders();
      unregisterCleanup();
    },
    async kill() {
      await child.kill();
    },
    async restart() {
      if (stopped) throw new Error(`nats-server ${name} :${port} was stopped for good; start a new one`);
      await child.stop('SIGTERM');
      child = await launch();
    },
  };
}

function natsConfig(input: {
  name: string;
  port: number;
  monitorPort: number;
  storeDir: string;
  options: StartNatsOptions;
}): string {
  const domain = input.options.domain === undefined ? '' : ` domain: ${JSON.stringify(input.options.domain)}`;
  return [
    `server_name: ${JSON.stringify(input.name)}`,
    `listen: "127.0.0.1:${input.port}"`,
    `http: "127.0.0.1:${input.monitorPort}"`,
    `jetstream {\n  store_dir: ${JSON.stringify(input.storeDir)}\n ${domain}\n}`,
    input.options.config ?? '',
    '',
  ].join('\n');
}

/** Credentials a leaf node presents to the hub (a user of the hub's configuration). */
export interface LeafRemoteCredentials {
  readonly user: string;
  readonly password: string;
}

export interface StartNatsHubWithLeavesOptions {
  /** Zone names: one leaf node each, JetStream domain = the zone name. */
  readonly leaves: readonly string[];
  /** Extra configuration for the hub (accounts, users). */
  readonly hubConfig?: string;
  /** Extra configuration for a zone's leaf node. */
  readonly leafConfig?: (zone: string) => string;
  /** The user a zone's leaf node logs in to the hub as; default none (hub without auth). */
  readonly leafCredentials?: (zone: string) => LeafRemoteCredentials;
}

/** A hub and its leaf nodes. Stopping the topology stops every server. */
export interface NatsHubWithLeaves {
  /** The hub: JetStream domain `hub`; it accepts leaf connections on `leafPort`. */
  readonly hub: NatsServer;
  readonly leafPort: number;
  /** One leaf node per zone, JetStream domain = zone name. */
  readonly leaves: Readonly<Record<string, NatsServer>>;
  /** The leaf node of `zone` (throws for an unknown zone, naming the ones that exist). */
  leaf(zone: string): NatsServer;
  /** Resolves once the hub sees `count` leaf connections (default: every leaf). */
  waitForLeaves(count?: number, timeoutMs?: number): Promise<void>;
  /** Stops every server for good. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a JetStream hub (domain `hub`) and one leaf node per zone (domain = zone name, so a
 * client on a leaf reaches the hub's JetStream with `domain: 'hub'`), and resolves once the hub
 * sees every leaf connection.
 */
export async function startNatsHubWithLeaves(
  options: StartNatsHubWithLeavesOptions,
): Promise<NatsHubWithLeaves> {
  const leafPort = await freePort();
  const hub = await startNats({
    name: 'hub',
    domain: 'hub',
    config: [`leafnodes { listen: "127.0.0.1:${leafPort}" }`, options.hubConfig ?? ''].join('\n'),
  });
  const leaves: Record<string, NatsServer> = {};
  const stopAll = async (): Promise<void> => {
    await Promise.all([...Object.values(leaves), hub].map((server) => server.stop()));
  };
  try {
    for (const zone of options.leaves) {
      const credentials = options.leafCredentials?.(zone);
      const auth =
        credentials === undefined
          ? ''
          : `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@`;
      leaves[zone] = await startNats({
        name: `leaf-${zone}`,
        domain: zone,
        config: [
          `leafnodes { remotes: [ { url: "nats-leaf://${auth}127.0.0.1:${leafPort}" } ] }`,
          options.leafConfig?.(zone) ?? '',
        ].join('\n'),
      });
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  const waitForLeaves = (count = options.leaves.length, timeoutMs = 15_000): Promise<void> =>
    waitForLeafCount(hub.monitorPort, count, timeoutMs);
  try {
    await waitForLeaves();
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    hub,
    leafPort,
    leaves,
    leaf(zone) {
      const server = leaves[zone];
      if (server === undefined) {
        throw new Error(`no leaf node for zone ${zone}; leaves: ${Object.keys(leaves).join(', ')}`);
      }
      return server;
    },
    waitForLeaves,
    stop: stopAll,
  };
}

async function waitForHealthy(monitorPort: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await httpGet(monitorPort, '/healthz');
    if (last.includes('"ok"')) return;
    await sleep(50);
  }
  throw new Error(`last /healthz answer: ${last || 'none'}`);
}

async function waitForLeafCount(monitorPort: number, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = -1;
  while (Date.now() < deadline) {
    const body = await httpGet(monitorPort, '/leafz');
    try {
      seen = (JSON.parse(body) as { leafnodes?: number }).leafnodes ?? -1;
    } catch {
      seen = -1;
    }
    if (seen >= count) return;
    await sleep(100);
  }
  throw new Error(`the hub saw ${seen} leaf connections, expected ${count}`);
}

/** The body of a GET on the monitoring port, or '' when it does not answer. */
function httpGet(port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path, timeout: 2_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve(body));
      response.on('error', () => resolve(''));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(''));
  });
}
