/**
 * Real `zonemesh-cp` processes for the federation tests (spawned from the repo root's
 * `node_modules/.bin/zonemesh-cp`, as a user runs them), with the REST, `/metrics` and log reads
 * the tests assert on. A process keeps its ports across `restart()`, so a zone comes back where
 * it was. Every process is tracked by testkit and killed if the test run dies.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, type ManagedProcess } from '@zonemesh/testkit';

/** The executable a user runs, linked at the repo root by `pnpm install`. */
export const zonemeshCp = fileURLToPath(new URL('../node_modules/.bin/zonemesh-cp', import.meta.url));
/** The built `zmctl`. */
export const zmctl = fileURLToPath(new URL('../node_modules/.bin/zmctl', import.meta.url));

/** One control plane process. */
export interface ControlPlane {
  readonly name: string;
  /** `http://127.0.0.1:<api port>`. */
  readonly base: string;
  /** `http://127.0.0.1:<dp server port>`: where its proxies connect. */
  readonly dpServer: string;
  /** The flags after `run` (ports included). */
  readonly args: readonly string[];
  readonly pid: number;
  isRunning(): boolean;
  /** Its recent stdout and stderr (pino JSON lines). */
  output(): string;
  /** SIGTERM and wait (idempotent). */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts it again with the same flags and ports, after stopping it if it runs. */
  restart(): Promise<void>;
}

async function launch(
  name: string,
  args: readonly string[],
  apiPort: number,
  env: NodeJS.ProcessEnv | undefined,
): Promise<ManagedProcess> {
  const child = await startProcess({
    command: zonemeshCp,
    args: ['run', ...args],
    ...(env === undefined ? {} : { env }),
    name,
    readyPort: apiPort,
    readyTimeoutMs: 30_000,
  });
  const base = `http://127.0.0.1:${apiPort}`;
  await eventually(`${name} ready`, async () => (await fetch(`${base}/ready`)).status === 200, 20_000);
  return child;
}

/**
 * Starts `zonemesh-cp run <flags>` on free API and dataplane-server ports and resolves once
 * `/ready` answers 200. `env`, when given, is the process's whole environment (not merged).
 */
export async function startControlPlane(
  name: string,
  flags: readonly string[],
  env?: NodeJS.ProcessEnv,
): Promise<ControlPlane> {
  const apiPort = await freePort();
  const dpPort = await freePort();
  const args = [
    ...flags,
    '--api-address',
    `127.0.0.1:${apiPort}`,
    '--dp-server-address',
    `127.0.0.1:${dpPort}`,
  ];
  let child = await launch(name, args, apiPort, env);
  let earlier = '';
  return {
    name,
    base: `http://127.0.0.1:${apiPort}`,
    dpServer: `http://127.0.0.1:${dpPort}`,
    args,
    get pid() {
      return child.pid;
    },
    isRunning: () => child.isRunning(),
    output: () => earlier + child.output(),
    async stop() {
      await child.stop('SIGTERM');
    },
    async kill() {
      await child.kill();
    },
    async restart() {
      await child.stop('SIGTERM');
      earlier += child.output();
      child = await launch(name, args, apiPort, env);
    },
  };
}

/** Flags of a global CP on NATS. */
export function globalFlags(natsUrl: string, extra: readonly string[] = []): string[] {
  return ['--mode', 'global', '--nats-url', natsUrl, ...extra];
}

/** Flags of a federated zone CP. */
export function zoneFlags(zone: string, natsUrl: string, extra: readonly string[] = []): string[] {
  return ['--mode', 'zone', '--zone', zone, '--nats-url', natsUrl, ...extra];
}

/** Polls `check` until it returns something other than undefined/false; throws at the deadline. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** PUTs a JSON resource; returns the HTTP status. */
export async function put(base: string, path: string, body: unknown): Promise<number> {
  const response = await fetch(`${base}${path}`, {
    method: 'PUT',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  await response.arrayBuffer();
  return response.status;
}

/** DELETEs; returns the HTTP status. */
export async function del(base: string, path: string): Promise<number> {
  const response = await fetch(`${base}${path}`, { method: 'DELETE' });
  await response.arrayBuffer();
  return response.status;
}

/** GETs; the body parsed when it is JSON, else its text. */
export async function getJson(base: string, path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`);
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json') === true;
  return { status: response.status, body: json ? JSON.parse(text) : text };
}

/** Every item of a paged list (`{total, items, next}`). */
export async function listAll(base: string, path: string): Promise<any[]> {
  const items: any[] = [];
  for (let offset = 0; ; ) {
    const glue = path.includes('?') ? '&' : '?';
    const { status, body } = await getJson(base, `${path}${glue}size=1000&offset=${offset}`);
    if (status !== 200) throw new Error(`GET ${base}${path} answered ${status}`);
    items.push(...body.items);
    if (typeof body.next !== 'number' || body.items.length === 0) return items;
    offset += body.items.length;
  }
}

/** A TrafficPermission in Universal form. */
export function trafficPermission(
  name: string,
  source: string,
  destination: string,
): Record<string, unknown> {
  return {
    type: 'TrafficPermission',
    name,
    mesh: 'default',
    sources: [{ match: { 'kuma.io/service': source } }],
    destinations: [{ match: { 'kuma.io/service': destination } }],
  };
}

/** A Dataplane in Universal form. */
export function dataplane(name: string, service: string, port: number): Record<string, unknown> {
  return {
    type: 'Dataplane',
    name,
    mesh: 'default',
    networking: {
      address: '10.0.0.1',
      inbound: [{ port, servicePort: 8080, tags: { 'kuma.io/service': service } }],
    },
  };
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * What a list holds as one hash: every item's content (type, mesh, name, creation time, spec
 * fields) in name order, leaving out what legitimately differs between global and a zone's copy
 * (labels, where the zone adds `kuma.io/origin: global`, and the modification time).
 */
export async function contentOf(
  base: string,
  path: string,
  keep: (item: any) => boolean = () => true,
): Promise<{ hash: string; count: number; names: string[] }> {
  const items = (await listAll(base, path))
    .filter(keep)
    .map(({ labels: _labels, modificationTime: _modified, ...content }) => canonical(content) as any)
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  const hash = createHash('sha256').update(JSON.stringify(items)).digest('hex');
  return { hash, count: items.length, names: items.map((item) => String(item.name)) };
}

/** The sum of a metric's series whose labels include `labels`, from a `/metrics` scrape. */
export async function scrape(
  base: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const open = line.indexOf('{');
    const close = line.lastIndexOf('}');
    const series: Record<string, string> = {};
    if (open !== -1 && open < name.length + 1) {
      for (const match of line.slice(open + 1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
        series[match[1] as string] = match[2] as string;
      }
    }
    if (Object.entries(labels).every(([key, value]) => series[key] === value)) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

/** The parsed pino lines of a process's output whose `msg` contains `text`. */
export function logLines(output: string, text: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (String(parsed['msg']).includes(text)) lines.push(parsed);
    } catch {
      // a line cut by the output buffer
    }
  }
  return lines;
}
