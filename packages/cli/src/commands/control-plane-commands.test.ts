/**
 * zmctl apply/get/delete/inspect zones as a user runs them: the built `zmctl` against a real
 * `zonemesh-cp` process (memory store). Needs both built (`pnpm build`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startNats, startProcess, type ManagedProcess } from '@zonemesh/testkit';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const zmctlBin = fileURLToPath(new URL('../../bin/zmctl.js', import.meta.url));
const cpBin = fileURLToPath(
  new URL('../../node_modules/@zonemesh/control-plane/bin/zonemesh-cp.js', import.meta.url),
);
const dir = mkdtempSync(join(tmpdir(), 'zmctl-test-'));
const processes: ManagedProcess[] = [];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function zmctl(
  args: string[],
  options: { cp?: string; input?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const env = {
      PATH: process.env.PATH ?? '',
      ...(options.cp === undefined ? {} : { ZONEMESH_CP: options.cp }),
      ...options.env,
    };
    const child = spawn(process.execPath, [zmctlBin, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

async function startCp(args: string[]): Promise<string> {
  const port = await freePort();
  const cp = await startProcess({
    command: process.execPath,
    args: [cpBin, 'run', '--api-address', `127.0.0.1:${port}`, ...args],
    env: { PATH: process.env.PATH ?? '' },
    name: 'zonemesh-cp',
    readyPort: port,
  });
  processes.push(cp);
  return `http://127.0.0.1:${port}`;
}

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const tp = (name: string, mesh = 'default', service = 'web') => `type: TrafficPermission
name: ${name}
mesh: ${mesh}
sources:
  - match:
      kuma.io/service: ${service}
destinations:
  - match:
      kuma.io/service: backend
`;

let global = '';
let zone = '';

beforeAll(async () => {
  [global, zone] = await Promise.all([
    startCp(['--mode', 'global']),
    startCp(['--mode', 'zone', '--zone', 'zone-1']),
  ]);
});

describe('the default mesh', () => {
  it('exists on global from the start, so apply updates it', async () => {
    const setup = await zmctl(['apply', '-f', file('mesh.yaml', 'type: Mesh\nname: default\n')], {
      cp: global,
    });
    expect(setup).toMatchObject({ code: 0, stdout: 'Mesh "default" updated\n' });
  });
});

afterAll(async () => {
  await Promise.all(processes.map((cp) => cp.stop('SIGTERM')));
  rmSync(dir, { recursive: true, force: true });
});

describe('zmctl apply / get / delete', () => {
  it('round-trips: apply creates then updates, get shows a table and Universal YAML, delete removes', async () => {
    const policies = file('policies.yaml', `${tp('web-to-backend')}---\n${tp('other')}`);
    const created = await zmctl(['apply', '-f', policies], { cp: global });
    expect(created).toEqual({
      code: 0,
      stdout:
        'TrafficPermission "web-to-backend" in mesh "default" created\nTrafficPermission "other" in mesh "default" created\n',
      stderr: '',
    });
    expect((await zmctl(['apply', '-f', policies], { cp: global })).stdout).toContain(
      '"other" in mesh "default" updated',
    );

    const table = await zmctl(['get', 'traffic-permissions'], { cp: global });
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^MESH\s+NAME\s+AGE$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'default other',
      'default web-to-backend',
    ]);

    const yaml = await zmctl(['get', 'tp', 'web-to-backend', '--mesh', 'default', '-o', 'yaml'], {
      cp: global,
    });
    expect(parse(yaml.stdout)).toMatchObject({
      type: 'TrafficPermission',
      name: 'web-to-backend',
      mesh: 'default',
      sources: [{ match: { 'kuma.io/service': 'web' } }],
    });

    expect(await zmctl(['delete', 'TrafficPermission', 'other'], { cp: global })).toEqual({
      code: 0,
      stdout: 'TrafficPermission "other" in mesh "default" deleted\n',
      stderr: '',
    });
    const elsewhere = file('elsewhere.yaml', `type: Mesh\nname: other-mesh\n---\n${tp('far', 'other-mesh')}`);
    expect((await zmctl(['apply', '-f', elsewhere], { cp: global })).code).toBe(0);
    const everyMesh = await zmctl(['get', 'tp', '-o', 'json'], { cp: global });
    expect(
      (JSON.parse(everyMesh.stdout) as { items: { mesh: string }[] }).items.map((item) => item.mesh),
    ).toContain('other-mesh');
    const oneMesh = await zmctl(['get', 'tp', '--mesh', 'other-mesh'], { cp: global });
    expect(oneMesh.stdout).toMatch(/^MESH\s+NAME\s+AGE\nother-mesh\s+far\s+\d+s\n$/);
    expect((await zmctl(['delete', 'mesh', 'other-mesh'], { cp: global })).code).toBe(0);

    const gone = await zmctl(['get', 'tp', 'other'], { cp: global });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe('zmctl: TrafficPermission "other" in mesh "default" not found\n');
  });

  it('reads -f - from stdin, and --dry-run stores nothing', async () => {
    const dry = await zmctl(['apply', '--dry-run', '-f', '-'], { cp: global, input: tp('dry-one') });
    expect(dry).toMatchObject({
      code: 0,
      stdout: 'TrafficPermission "dry-one" in mesh "default" is valid (dry run: would be created)\n',
    });
    expect((await zmctl(['get', 'tp', 'dry-one'], { cp: global })).code).toBe(1);
  });

  it('refuses an invalid file with field errors and applies none of it', async () => {
    const mixed = file(
      'mixed.yaml',
      `${tp('fine')}---\ntype: TrafficPermission\nname: bad\nmesh: default\nsources:\n  - match: {}\ndestinations:\n  - match:\n      kuma.io/service: x\n`,
    );
    const run = await zmctl(['apply', '-f', mixed], { cp: global });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${mixed}#1 TrafficPermission/bad: sources[0].match:`);
    expect(run.stderr).toContain('nothing applied');
    expect((await zmctl(['get', 'tp', 'fine'], { cp: global })).code).toBe(1);
  });

  it("prints the server's title and field causes when it refuses (400), changing nothing", async () => {
    const run = await zmctl(['apply', '-f', file('nomesh.yaml', tp('lost', 'nomesh'))], { cp: global });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('TrafficPermission "lost" in mesh "nomesh": mesh "nomesh" does not exist');
    expect(run.stderr).toContain('  mesh: mesh "nomesh" does not exist; create it first');
  });

  it('gets 405 for kinds this mode does not own', async () => {
    const dataplane = file(
      'dp.yaml',
      'type: Dataplane\nname: web-1\nmesh: default\nnetworking:\n  address: 127.0.0.1\n  inbound:\n    - port: 8080\n      servicePort: 9090\n      tags:\n        kuma.io/service: web\n',
    );
    const run = await zmctl(['apply', '-f', dataplane], { cp: global });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Dataplane resources are written on zone control planes/);
    expect((await zmctl(['get', 'dataplanes'], { cp: global })).stdout.trim().split('\n')).toHaveLength(1);
  });

  it('fetches every page of a long list', async () => {
    const many = Array.from({ length: 120 }, (_, i) => tp(`tp-${String(i).padStart(3, '0')}`)).join('---\n');
    const meshFile = file('zone-mesh.yaml', 'type: Mesh\nname: default\n');
    expect((await zmctl(['apply', '-f', meshFile], { cp: zone })).code).toBe(0);
    expect((await zmctl(['apply', '-f', file('many.yaml', many)], { cp: zone })).code).toBe(0);
    const run = await zmctl(['get', 'traffic-permissions', '-o', 'json'], { cp: zone });
    const body = JSON.parse(run.stdout) as { total: number; items: { name: string }[] };
    expect(body.total).toBe(120);
    expect(body.items.map((item) => item.name)).toEqual(
      Array.from({ length: 120 }, (_, i) => `tp-${String(i).padStart(3, '0')}`),
    );
  });

  it('answers usage errors with exit 2', async () => {
    expect((await zmctl(['get', 'widgets'], { cp: global })).code).toBe(2);
    expect((await zmctl(['get', 'zones', 'x', '--mesh', 'default'], { cp: global })).code).toBe(2);
    expect((await zmctl(['delete', 'tp'], { cp: global })).code).toBe(2);
    expect((await zmctl(['apply'], { cp: global })).code).toBe(2);
    const noToken = await zmctl(['get', 'meshes', '--token-file', join(dir, 'missing-token')], {
      cp: global,
    });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('--token-file: cannot read');
  });

  it('sends --token-file as a Bearer token', async () => {
    const generated = await zmctl(['generate', 'user-token', '--name', 'reader', '--valid-for', '1h'], {
      cp: global,
    });
    expect(generated.code).toBe(0);
    expect(generated.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const run = await zmctl(['get', 'meshes', '--token-file', file('token', generated.stdout)], {
      cp: global,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^NAME\s+MTLS\s+AGE\ndefault\s+off\s+\d+s\n$/);
    const refused = await zmctl(['get', 'meshes', '--token-file', file('bad-token', 'secret-token\n')], {
      cp: global,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^zmctl: the token is malformed/);
  });
});

describe('zmctl inspect zones', () => {
  it('lists declared zones on global, Offline until they connect', async () => {
    expect(
      (await zmctl(['apply', '-f', file('zone.yaml', 'type: Zone\nname: zone-9\n')], { cp: global })).code,
    ).toBe(0);
    const run = await zmctl(['inspect', 'zones'], { cp: global });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+LAST SEEN\s+LAG\s+RESOURCES$/);
    expect(run.stdout).toMatch(/\nzone-9\s+Offline\s+-\s+-\s+0\n/);
  });

  it('shows the zone itself on a zone control plane', async () => {
    const run = await zmctl(['inspect', 'zones', '-o', 'json'], { cp: zone });
    expect(JSON.parse(run.stdout)).toEqual([
      expect.objectContaining({ name: 'zone-1', online: true, federated: false }),
    ]);
  });
});

describe('zmctl inspect zones with a connected zone', () => {
  it('shows the zone Online with its last heartbeat, lag and resources', async () => {
    const nats = await startNats();
    try {
      const federatedGlobal = await startCp(['--mode', 'global', '--nats-url', nats.url]);
      await startCp(['--mode', 'zone', '--zone', 'zone-7', '--nats-url', nats.url]);
      const deadline = Date.now() + 15_000;
      let run = await zmctl(['inspect', 'zones'], { cp: federatedGlobal });
      while (!/\nzone-7\s+Online/.test(run.stdout) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        run = await zmctl(['inspect', 'zones'], { cp: federatedGlobal });
      }
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/\nzone-7\s+Online\s+\d+s ago\s+\d+\s+\d+\n/);
    } finally {
      await Promise.all(processes.splice(2).map((cp) => cp.stop('SIGTERM')));
      await nats.stop();
    }
  });
});

describe('an unreachable control plane', () => {
  it('exits 3 with one clear sentence', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await zmctl(['get', 'meshes', '--cp', url]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      new RegExp(`^zmctl: cannot reach the control plane at ${url}: .*ECONNREFUSED`),
    );
    const viaEnv = await zmctl(['inspect', 'zones'], { cp: url });
    expect(viaEnv.code).toBe(3);
  });
});

describe('zmctl generate, inspect token, revoke token', () => {
  const jwt = /^[\w-]+\.[\w-]+\.[\w-]+\n$/;

  it('prints the bare dataplane token and a newline, nothing else', async () => {
    const run = await zmctl(
      [
        'generate',
        'dataplane-token',
        '--mesh',
        'default',
        '--name',
        'web-1',
        '--tag',
        'kuma.io/service=web,web-admin',
      ],
      { cp: zone },
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(jwt);
    const inspected = await zmctl(['inspect', 'token', '-f', file('web-1.token', run.stdout), '-o', 'json']);
    expect(JSON.parse(inspected.stdout)).toMatchObject({
      kind: 'dataplane',
      mesh: 'default',
      name: 'web-1',
      tags: { 'kuma.io/service': ['web', 'web-admin'] },
      iss: 'zone:zone-1',
    });
  });

  it("issues zone tokens for the zone's own zone only", async () => {
    const own = await zmctl(['generate', 'zone-token', '--zone', 'zone-1', '--scope', 'ingress'], {
      cp: zone,
    });
    expect(own.code).toBe(0);
    expect(own.stdout).toMatch(jwt);
    const other = await zmctl(['generate', 'zone-token', '--zone', 'zone-2', '--scope', 'ingress'], {
      cp: zone,
    });
    expect(other).toMatchObject({ code: 1, stdout: '' });
    expect(other.stderr).toMatch(/issues tokens for its own zone \(zone-1\)/);
    const fromGlobal = await zmctl(['generate', 'zone-token', '--zone', 'zone-2', '--scope', 'ingress'], {
      cp: global,
    });
    expect(fromGlobal.code).toBe(0);
  });

  it('refuses incomplete or invalid requests', async () => {
    expect((await zmctl(['generate', 'dataplane-token', '--mesh', 'default'], { cp: zone })).code).toBe(2);
    expect((await zmctl(['generate', 'zone-token', '--zone', 'zone-1'], { cp: zone })).code).toBe(2);
    expect((await zmctl(['generate', 'user-token', '--name', 'bob'], { cp: zone })).code).toBe(2);
    const tooLong = await zmctl(['generate', 'dataplane-token', '--name', 'x', '--valid-for', '100000h'], {
      cp: zone,
    });
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toMatch(/validFor: must be between 1s and 8760h/);
  });

  it('revokes a token by its file; the token is then refused', async () => {
    const generated = await zmctl(
      ['generate', 'user-token', '--name', 'carol', '--group', 'mesh-system:admin', '--valid-for', '1h'],
      { cp: global },
    );
    const token = file('carol.token', generated.stdout);
    expect((await zmctl(['get', 'meshes', '--token-file', token], { cp: global })).code).toBe(0);
    const revoked = await zmctl(['revoke', 'token', '-f', token], { cp: global });
    expect(revoked).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^token [0-9a-f]{32} revoked\n$/),
    });
    const refused = await zmctl(['get', 'meshes', '--token-file', token], { cp: global });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is revoked/);
  });
});
