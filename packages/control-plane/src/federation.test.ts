/**
 * Global and zone control planes as processes over a real nats-server: policies written on
 * global reach the zone, the zone's Dataplanes reach global under `<zone>.<name>`, and global
 * shows the zone Online. Needs the built bin (`pnpm --filter @zonemesh/control-plane build`).
 */
import { fileURLToPath } from 'node:url';
import { freePort, startNats, startProcess, type ManagedProcess, type NatsServer } from '@zonemesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/zonemesh-cp.js', import.meta.url));
const processes: ManagedProcess[] = [];
let nats: NatsServer;
let global = '';
let zone = '';

async function startCp(args: string[]): Promise<string> {
  const port = await freePort();
  processes.push(
    await startProcess({
      command: process.execPath,
      args: [bin, 'run', '--api-address', `127.0.0.1:${port}`, ...args],
      env: { PATH: process.env.PATH ?? '' },
      name: 'zonemesh-cp',
      readyPort: port,
    }),
  );
  return `http://127.0.0.1:${port}`;
}

async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function put(url: string, body: string): Promise<Response> {
  return fetch(url, { method: 'PUT', body, headers: { 'content-type': 'application/yaml' } });
}

beforeAll(async () => {
  nats = await startNats();
  global = await startCp(['--mode', 'global', '--nats-url', nats.url, '--zone-offline-timeout', '5s']);
  zone = await startCp(['--mode', 'zone', '--zone', 'zone-1', '--nats-url', nats.url]);
});

afterAll(async () => {
  await Promise.all(processes.map((cp) => cp.stop('SIGTERM')));
  await nats?.stop();
});

describe('federation over NATS', () => {
  it('copies global policies into the zone, where users may not write them', async () => {
    const tp =
      'type: TrafficPermission\nname: web-to-backend\nmesh: default\nsources:\n  - match:\n      kuma.io/service: web\ndestinations:\n  - match:\n      kuma.io/service: backend\n';
    expect((await put(`${global}/meshes/default/traffic-permissions/web-to-backend`, tp)).status).toBe(201);
    const copy = await eventually(
      () => getJson(`${zone}/meshes/default/traffic-permissions/web-to-backend`),
      (answer) => answer.status === 200,
      'the policy on the zone',
    );
    expect(copy.body).toMatchObject({ labels: { 'kuma.io/origin': 'global' } });
    expect((await put(`${zone}/meshes/default/traffic-permissions/web-to-backend`, tp)).status).toBe(405);
  });

  it("copies the zone's dataplanes to global under <zone>.<name>", async () => {
    await eventually(
      () => getJson(`${zone}/meshes/default`),
      (answer) => answer.status === 200,
      'the mesh on the zone',
    );
    const dataplane =
      'type: Dataplane\nname: web-1\nmesh: default\nnetworking:\n  address: 127.0.0.1\n  inbound:\n    - port: 8080\n      servicePort: 9090\n      tags:\n        kuma.io/service: web\n';
    expect((await put(`${zone}/meshes/default/dataplanes/web-1`, dataplane)).status).toBe(201);
    const copy = await eventually(
      () => getJson(`${global}/meshes/default/dataplanes/zone-1.web-1`),
      (answer) => answer.status === 200,
      'the dataplane on global',
    );
    expect(copy.body).toMatchObject({ labels: { 'kuma.io/zone': 'zone-1', 'kuma.io/origin': 'zone' } });
  });

  it('shows the zone Online on global and the link on the zone', async () => {
    const overview = await eventually(
      () => getJson(`${global}/zones/_overview`),
      (answer) =>
        (answer.body.items as { name: string; online: boolean }[]).some(
          (z) => z.name === 'zone-1' && z.online,
        ),
      'zone-1 online',
    );
    expect(overview.body.items).toEqual([expect.objectContaining({ name: 'zone-1', online: true })]);
    const own = await getJson(`${zone}/zones/_overview`);
    expect(own.body.items).toEqual([
      expect.objectContaining({ name: 'zone-1', online: true, federated: true }),
    ]);
  });
});
