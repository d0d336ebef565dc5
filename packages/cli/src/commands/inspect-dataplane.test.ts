/**
 * `zmctl inspect dataplane` as a user runs it: the built `zmctl` against a real `zonemesh-cp`
 * (standalone zone, memory store). Needs both built (`pnpm build`).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, type ManagedProcess } from '@zonemesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const zmctlBin = fileURLToPath(new URL('../../bin/zmctl.js', import.meta.url));
const cpBin = fileURLToPath(
  new URL('../../node_modules/@zonemesh/control-plane/bin/zonemesh-cp.js', import.meta.url),
);
let cp: ManagedProcess;
let base = '';

function zmctl(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [zmctlBin, ...args], {
      env: { PATH: process.env.PATH ?? '', ZONEMESH_CP: base },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

async function put(path: string, yaml: string): Promise<void> {
  const response = await fetch(`${base}${path}`, {
    method: 'PUT',
    body: yaml,
    headers: { 'content-type': 'application/yaml' },
  });
  if (!response.ok) throw new Error(`PUT ${path}: ${response.status} ${await response.text()}`);
}

beforeAll(async () => {
  const port = await freePort();
  cp = await startProcess({
    command: process.execPath,
    args: [
      cpBin,
      'run',
      '--mode',
      'zone',
      '--zone',
      'zone-1',
      '--api-address',
      `127.0.0.1:${port}`,
      '--dp-server-address',
      `127.0.0.1:${await freePort()}`,
    ],
    env: { PATH: process.env.PATH ?? '' },
    name: 'zonemesh-cp',
    readyPort: port,
  });
  base = `http://127.0.0.1:${port}`;
  await put(
    '/meshes/default',
    'type: Mesh\nname: default\nmtls:\n  enabledBackend: ca-1\n  backends:\n    - name: ca-1\n      type: builtin\n',
  );
  await put(
    '/meshes/default/traffic-permissions/frontend-to-backend',
    'type: TrafficPermission\nname: frontend-to-backend\nmesh: default\nsources:\n  - match:\n      kuma.io/service: frontend\ndestinations:\n  - match:\n      kuma.io/service: backend\n',
  );
  await put(
    '/meshes/default/health-checks/backend-checks',
    "type: HealthCheck\nname: backend-checks\nmesh: default\nsources:\n  - match:\n      kuma.io/service: '*'\ndestinations:\n  - match:\n      kuma.io/service: backend\nconf:\n  interval: 10s\n  timeout: 2s\n  unhealthyThreshold: 3\n  healthyThreshold: 1\n",
  );
  await put(
    '/meshes/default/dataplanes/backend-1',
    'type: Dataplane\nname: backend-1\nmesh: default\nnetworking:\n  address: 127.0.0.1\n  inbound:\n    - port: 8080\n      servicePort: 9090\n      tags:\n        kuma.io/service: backend\n  outbound:\n    - port: 10001\n      tags:\n        kuma.io/service: backend\n',
  );
});

afterAll(async () => {
  await cp?.stop('SIGTERM');
});

describe('zmctl inspect dataplane', () => {
  it('prints the policies of each inbound and outbound with the reason', async () => {
    const run = await zmctl(['inspect', 'dataplane', 'backend-1', '--mesh', 'default']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('DATAPLANE backend-1 (mesh default, zone zone-1, mTLS on)');
    expect(run.stdout).toContain(
      'INBOUND 127.0.0.1:8080:9090 (backend):\n  TrafficPermission\n    frontend-to-backend\n    why: frontend-to-backend is the only TrafficPermission selecting this inbound',
    );
    expect(run.stdout).toContain('OUTBOUND 127.0.0.1:10001 (backend):\n  TrafficRoute\n    none\n');
    expect(run.stdout).toContain('  HealthCheck\n    backend-checks\n');
  });

  it('prints the API answer with -o json', async () => {
    const run = await zmctl(['inspect', 'dataplane', 'backend-1', '-o', 'json']);
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout) as {
      kind: string;
      items: { type: string; matchedPolicies: Record<string, { name: string }[]> }[];
    };
    expect(answer.kind).toBe('SidecarDataplane');
    expect(answer.items.map((item) => item.type)).toEqual(['inbound', 'outbound']);
    expect(answer.items[0]?.matchedPolicies.TrafficPermission?.[0]?.name).toBe('frontend-to-backend');
  });

  it('exits 1 naming an unknown dataplane, 2 without NAME, 3 when the control plane is unreachable', async () => {
    const unknown = await zmctl(['inspect', 'dataplane', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Dataplane "nope" in mesh "default" not found');
    const usage = await zmctl(['inspect', 'dataplane']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('missing the dataplane NAME');
    const down = await zmctl([
      'inspect',
      'dataplane',
      'backend-1',
      '--cp',
      `http://127.0.0.1:${await freePort()}`,
    ]);
    expect(down.code).toBe(3);
  });
});
