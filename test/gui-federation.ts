/**
 * A running federation for the GUI and metrics tests: a real nats-server (testkit), a global
 * `zonemesh-cp` and zone control planes as processes, plus small REST helpers. Everything it
 * starts is stopped by `stop()`.
 */
import { fileURLToPath } from 'node:url';
import { freePort, startNats, startProcess, type ManagedProcess, type NatsServer } from '@zonemesh/testkit';

const cpBin = fileURLToPath(
  new URL('./node_modules/@zonemesh/control-plane/bin/zonemesh-cp.js', import.meta.url),
);

/** The built `zmctl`. */
export const zmctlBin = fileURLToPath(new URL('./node_modules/@zonemesh/cli/bin/zmctl.js', import.meta.url));

/** One control plane process and its API base URL. */
export interface RunningCp {
  readonly name: string;
  readonly base: string;
  /** Its dataplane server (`--dp-server-address`), where proxies connect: `http://127.0.0.1:PORT`. */
  readonly dpServer: string;
  readonly process: ManagedProcess;
}

/** Global, its zones and NATS. */
export interface RunningFederation {
  readonly nats: NatsServer;
  readonly global: RunningCp;
  readonly zones: ReadonlyMap<string, RunningCp>;
  /** A zone by name (throws when it was not started). */
  zone(name: string): RunningCp;
  /** Stops every process this federation started (idempotent). */
  stop(): Promise<void>;
}

async function startCp(name: string, args: readonly string[]): Promise<RunningCp> {
  const port = await freePort();
  const dpPort = await freePort();
  const process_ = await startProcess({
    command: process.execPath,
    args: [
      cpBin,
      'run',
      '--api-address',
      `127.0.0.1:${port}`,
      '--dp-server-address',
      `127.0.0.1:${dpPort}`,
      ...args,
    ],
    env: { PATH: process.env.PATH ?? '' },
    name,
    readyPort: port,
    readyTimeoutMs: 30_000,
  });
  return {
    name,
    base: `http://127.0.0.1:${port}`,
    dpServer: `http://127.0.0.1:${dpPort}`,
    process: process_,
  };
}

/** Starts NATS, a global control plane and one zone control plane per name. */
export async function startFederation(options: {
  readonly zones: readonly string[];
  /** Global's `--zone-offline-timeout` (zones heartbeat every 5 s, so keep it above that). */
  readonly zoneOfflineTimeout: string;
}): Promise<RunningFederation> {
  const nats = await startNats();
  const started: RunningCp[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((cp) => cp.process.stop('SIGTERM')));
    await nats.stop();
  };
  try {
    const global = await startCp('global', [
      '--mode',
      'global',
      '--nats-url',
      nats.url,
      '--zone-offline-timeout',
      options.zoneOfflineTimeout,
    ]);
    started.push(global);
    const zones = new Map<string, RunningCp>();
    for (const zone of options.zones) {
      const cp = await startCp(zone, ['--mode', 'zone', '--zone', zone, '--nats-url', nats.url]);
      started.push(cp);
      zones.set(zone, cp);
    }
    return {
      nats,
      global,
      zones,
      zone(name) {
        const cp = zones.get(name);
        if (cp === undefined) throw new Error(`zone ${name} was not started`);
        return cp;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** PUTs a YAML resource; throws with the answer when refused. */
export async function put(base: string, path: string, yaml: string): Promise<void> {
  const response = await fetch(`${base}${path}`, {
    method: 'PUT',
    body: yaml,
    headers: { 'content-type': 'application/yaml' },
  });
  if (!response.ok)
    throw new Error(`PUT ${base}${path} answered ${response.status}: ${await response.text()}`);
}

/** GETs JSON. */
export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

/** Reads until `accept` holds or `timeoutMs` passes (then throws naming `what` and the last value). */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (accept(last)) return last;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A Dataplane in Universal YAML with one inbound (and optional outbounds); `healthy: false` sets `health.ready: false`. */
export function dataplaneYaml(input: {
  readonly name: string;
  readonly service: string;
  readonly port: number;
  readonly healthy?: boolean;
  readonly outbound?: readonly { readonly port: number; readonly service: string }[];
}): string {
  const lines = [
    'type: Dataplane',
    `name: ${input.name}`,
    'mesh: default',
    'networking:',
    '  address: 127.0.0.1',
    '  inbound:',
    `    - port: ${input.port}`,
    `      servicePort: ${input.port + 1000}`,
    '      tags:',
    `        kuma.io/service: ${input.service}`,
    ...(input.healthy === false ? ['      health:', '        ready: false'] : []),
  ];
  if (input.outbound !== undefined && input.outbound.length > 0) {
    lines.push('  outbound:');
    for (const outbound of input.outbound) {
      lines.push(
        `    - port: ${outbound.port}`,
        '      tags:',
        `        kuma.io/service: ${outbound.service}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
