/**
 * Attacks on the dataplane server with real processes: a `zonemesh-cp` zone (mTLS mesh, tokens on
 * by default), tokens from `zmctl generate`, and proxies — a real `zonemesh-dp` and raw HTTP
 * requests an attacker would send. A proxy holding frontend's token cannot register as backend1,
 * claim backend1's service, get backend1's certificate, stream its config or report its health;
 * expired, revoked, forged and foreign tokens are refused, and so is no token at all; nothing an
 * attacker sends changes what the zone stores, and no token ever reaches the logs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCsr, identityOf } from '@zonemesh/pki';
import { freePort, type ManagedProcess, startProcess } from '@zonemesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ControlPlane,
  eventually,
  getJson,
  put,
  scrape,
  startControlPlane,
  zmctl,
} from './control-plane-process.ts';

const dpBin = new URL('../node_modules/.bin/zonemesh-dp', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'zonemesh-attacks-'));
let zone: ControlPlane;
let impostor: ControlPlane;
let dpServer = '';
const sidecars: ManagedProcess[] = [];
const tokens: Record<string, string> = {};

/** `zmctl --cp <cp> generate ...`: the bare token. */
function generate(cp: ControlPlane, args: string[]): string {
  return execFileSync(zmctl, ['--cp', cp.base, 'generate', ...args], { encoding: 'utf8' }).trim();
}

function dataplane(name: string, service: string, port = 20_000): Record<string, unknown> {
  return {
    type: 'Dataplane',
    mesh: 'default',
    name,
    networking: {
      address: '127.0.0.1',
      inbound: [{ port, servicePort: port + 1, tags: { 'kuma.io/service': service } }],
    },
  };
}

/** One request to the dataplane server, as an attacker would send it. */
async function send(
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; body: { title?: string; details?: string; certificate?: unknown } }> {
  const response = await fetch(`${dpServer}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : {} };
}

const register = async (token: string | undefined, resource: unknown, csr?: string) =>
  send('/v1/register', token, { v: '1', kind: 'Dataplane', resource, ...(csr === undefined ? {} : { csr }) });

const stored = async (name: string) => getJson(zone.base, `/meshes/default/dataplanes/${name}`);
const issued = () => scrape(zone.base, 'zonemesh_dp_server_certificates_issued_total');

beforeAll(async () => {
  zone = await startControlPlane('zone-1', ['--mode', 'zone', '--zone', 'zone-1']);
  impostor = await startControlPlane('impostor', ['--mode', 'zone', '--zone', 'zone-1']);
  const address = zone.args[zone.args.indexOf('--dp-server-address') + 1];
  dpServer = `http://${address}`;
  const mesh =
    'type: Mesh\nname: default\nmtls:\n  enabledBackend: ca-1\n  backends:\n    - name: ca-1\n      type: builtin\n';
  const response = await fetch(`${zone.base}/meshes/default`, {
    method: 'PUT',
    body: mesh,
    headers: { 'content-type': 'application/yaml' },
  });
  if (!response.ok) throw new Error(`PUT /meshes/default answered ${response.status}`);
  tokens.frontend = generate(zone, [
    'dataplane-token',
    '--name',
    'frontend-1',
    '--tag',
    'kuma.io/service=frontend',
  ]);
  tokens.backend = generate(zone, [
    'dataplane-token',
    '--name',
    'backend1-1',
    '--tag',
    'kuma.io/service=backend1',
  ]);
  tokens.ingress = generate(zone, ['zone-token', '--zone', 'zone-1', '--scope', 'ingress']);
  tokens.foreign = generate(impostor, ['dataplane-token', '--name', 'backend1-1']);
  // backend1-1 registers for real, with its own token.
  const { csrPem } = await createCsr();
  const own = await register(tokens.backend, dataplane('backend1-1', 'backend1'), csrPem);
  if (own.status !== 200 || own.body.certificate === undefined) {
    throw new Error(`backend1-1 could not register with its own token: ${own.status} ${own.body.title}`);
  }
});

afterAll(async () => {
  await Promise.all(sidecars.map((sidecar) => sidecar.stop('SIGTERM')));
  await zone?.stop();
  await impostor?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("a proxy holding frontend's token", () => {
  it('registers as itself (positive control): a real sidecar gets its certificate and config', async () => {
    const file = join(dir, 'frontend-1.json');
    writeFileSync(file, JSON.stringify(dataplane('frontend-1', 'frontend', await freePort())));
    const tokenFile = join(dir, 'frontend.token');
    writeFileSync(tokenFile, tokens.frontend ?? '');
    const admin = await freePort();
    sidecars.push(
      await startProcess({
        command: dpBin,
        args: [
          'run',
          '--cp-address',
          dpServer,
          '--dataplane-file',
          file,
          '--dataplane-token-file',
          tokenFile,
          '--admin-address',
          `127.0.0.1:${admin}`,
        ],
        name: 'frontend-1',
        readyPort: admin,
      }),
    );
    await eventually(
      'frontend-1 ready',
      async () => (await fetch(`http://127.0.0.1:${admin}/ready`)).status === 200,
      20_000,
    );
    expect((await stored('frontend-1')).status).toBe(200);
  });

  it('cannot register as backend1: 403, and backend1-1 stays as its owner registered it', async () => {
    const before = (await stored('backend1-1')).body;
    const answer = await register(tokens.frontend, dataplane('backend1-1', 'backend1', 30_000));
    expect(answer.status).toBe(403);
    expect(answer.body.title).toBe(
      'the dataplane token is for default/frontend-1, not for default/backend1-1',
    );
    expect((await stored('backend1-1')).body).toEqual(before);
  });

  it("cannot claim backend1's service under its own name", async () => {
    const answer = await register(tokens.frontend, dataplane('frontend-2', 'backend1'));
    expect(answer.status).toBe(403);
    const renamed = await register(tokens.frontend, dataplane('frontend-1', 'backend1'));
    expect(renamed.status).toBe(403);
    expect(renamed.body.title).toBe('the inbound tags are not covered by the dataplane token');
    expect((await stored('frontend-2')).status).toBe(404);
    expect((await stored('frontend-1')).body.networking.inbound[0].tags['kuma.io/service']).toBe('frontend');
  });

  it("cannot get backend1's certificate, config stream or health reports", async () => {
    const certificates = await issued();
    const { csrPem } = await createCsr();
    const cert = await send('/v1/certificates', tokens.frontend, {
      v: '1',
      kind: 'Dataplane',
      mesh: 'default',
      name: 'backend1-1',
      csr: csrPem,
    });
    expect(cert.status).toBe(403);
    expect(await issued()).toBe(certificates);
    expect(
      (await send('/v1/stream?kind=Dataplane&mesh=default&name=backend1-1', tokens.frontend)).status,
    ).toBe(403);
    const health = await send('/v1/health', tokens.frontend, {
      v: '1',
      mesh: 'default',
      name: 'backend1-1',
      inbounds: [{ port: 20_000, healthy: false }],
    });
    expect(health.status).toBe(403);
    expect((await stored('backend1-1')).body.networking.inbound[0].health).toBeUndefined();
  });

  it('gets certificates only for its own service', async () => {
    const { csrPem } = await createCsr();
    const cert = await send('/v1/certificates', tokens.frontend, {
      v: '1',
      kind: 'Dataplane',
      mesh: 'default',
      name: 'frontend-1',
      csr: csrPem,
    });
    expect(cert.status).toBe(200);
    const identity = identityOf((cert.body as unknown as { certPem: string }).certPem);
    expect(identity.services).toEqual(['frontend']);
  });

  it('as a real sidecar claiming to be backend1, never becomes ready and is logged as refused', async () => {
    const file = join(dir, 'sneaky.json');
    writeFileSync(file, JSON.stringify(dataplane('backend1-1', 'backend1', await freePort())));
    const tokenFile = join(dir, 'frontend.token');
    const admin = await freePort();
    const refusedBefore = await scrape(zone.base, 'zonemesh_dp_server_auth_refusals_total', {
      reason: 'forbidden',
    });
    const sneaky = await startProcess({
      command: dpBin,
      args: [
        'run',
        '--cp-address',
        dpServer,
        '--dataplane-file',
        file,
        '--dataplane-token-file',
        tokenFile,
        '--admin-address',
        `127.0.0.1:${admin}`,
      ],
      name: 'sneaky',
      readyPort: admin,
    });
    sidecars.push(sneaky);
    await eventually(
      'a counted refusal',
      async () =>
        (await scrape(zone.base, 'zonemesh_dp_server_auth_refusals_total', { reason: 'forbidden' })) >
        refusedBefore,
      10_000,
    );
    expect((await fetch(`http://127.0.0.1:${admin}/ready`)).status).toBe(503);
    expect(zone.output()).toMatch(
      /"endpoint":"register","reason":"forbidden".*"msg":"proxy request refused"/,
    );
  });
});

describe('credentials that are not valid', () => {
  it('no token at all: 401 on every endpoint', async () => {
    expect((await register(undefined, dataplane('anon-1', 'anon'))).status).toBe(401);
    expect((await send('/v1/stream?kind=Dataplane&mesh=default&name=backend1-1', undefined)).status).toBe(
      401,
    );
    expect(
      (
        await send('/v1/certificates', undefined, {
          v: '1',
          kind: 'Dataplane',
          mesh: 'default',
          name: 'backend1-1',
          csr: 'x',
        })
      ).status,
    ).toBe(401);
    expect((await stored('anon-1')).status).toBe(404);
  });

  it('an expired token', async () => {
    const short = generate(zone, ['dataplane-token', '--name', 'late-1', '--valid-for', '1s']);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const answer = await register(short, dataplane('late-1', 'late'));
    expect(answer.status).toBe(401);
    expect(answer.body.title).toMatch(/^the token expired at /);
  });

  it('a revoked token', async () => {
    const token = generate(zone, ['dataplane-token', '--name', 'revoked-1']);
    const file = join(dir, 'revoked.token');
    writeFileSync(file, token);
    expect((await register(token, dataplane('revoked-1', 'revoked'))).status).toBe(200);
    execFileSync(zmctl, ['--cp', zone.base, 'revoke', 'token', '-f', file]);
    const answer = await register(token, dataplane('revoked-1', 'revoked'));
    expect(answer.status).toBe(401);
    expect(answer.body.title).toMatch(/^the token [0-9a-f]{32} is revoked$/);
  });

  it('a forged token: claims changed, or signed by another control plane of the same name', async () => {
    const [header, payload, signature] = (tokens.frontend ?? '').split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, name: 'backend1-1', tags: undefined })).toString('base64url')}.${signature}`;
    const changed = await register(forged, dataplane('backend1-1', 'backend1'));
    expect(changed.status).toBe(401);
    expect(changed.body.title).toBe('the token signature is invalid');
    const foreign = await register(tokens.foreign, dataplane('backend1-1', 'backend1'));
    expect(foreign.status).toBe(401);
    expect(foreign.body.title).toMatch(/^the token is signed by an unknown signing key/);
  });

  it('a token of the wrong kind: zone tokens are for ingresses, dataplane tokens not', async () => {
    expect((await register(tokens.ingress, dataplane('ingress-as-dp', 'x'))).status).toBe(403);
    const ingress = {
      type: 'ZoneIngress',
      name: 'ingress-1',
      networking: { address: '127.0.0.1', port: 10_001 },
    };
    expect(
      (await send('/v1/register', tokens.frontend, { v: '1', kind: 'ZoneIngress', resource: ingress }))
        .status,
    ).toBe(403);
    expect(
      (await send('/v1/register', tokens.ingress, { v: '1', kind: 'ZoneIngress', resource: ingress })).status,
    ).toBe(200);
    const user = generate(zone, [
      'user-token',
      '--name',
      'alice',
      '--group',
      'mesh-system:admin',
      '--valid-for',
      '1h',
    ]);
    expect((await register(user, dataplane('alice-1', 'alice'))).status).toBe(401);
  });

  it('never writes a token into the logs', () => {
    const output = zone.output();
    for (const token of Object.values(tokens)) expect(output).not.toContain(token.split('.')[2]);
  });
});

describe('the REST API', () => {
  let locked: ControlPlane;
  let adminToken = '';

  beforeAll(async () => {
    const adminFile = join(dir, 'admin.token');
    locked = await startControlPlane('locked', [
      '--mode',
      'zone',
      '--zone',
      'zone-9',
      '--api-localhost-is-admin=false',
      '--admin-token-file',
      adminFile,
    ]);
    const { readFileSync } = await import('node:fs');
    adminToken = await eventually(
      'the admin token file',
      () => {
        try {
          return readFileSync(adminFile, 'utf8').trim() || undefined;
        } catch {
          return undefined;
        }
      },
      10_000,
    );
  });

  afterAll(async () => {
    await locked?.stop();
  });

  it('refuses anonymous writes when localhost is not admin, and anonymous token requests', async () => {
    const status = await put(locked.base, '/meshes/other', { type: 'Mesh', name: 'other' });
    expect(status).toBe(401);
    expect((await getJson(locked.base, '/meshes/other')).status).toBe(404);
    const run = (args: string[]) =>
      execFileSync(zmctl, ['--cp', locked.base, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    expect(() => run(['generate', 'dataplane-token', '--name', 'x'])).toThrow(/needs admin rights/);
  });

  it('accepts a mesh-system:admin user token (zmctl --token-file), and a reader only reads', async () => {
    const tokenFile = join(dir, 'locked-admin.token');
    writeFileSync(tokenFile, adminToken);
    const applied = join(dir, 'mesh.yaml');
    writeFileSync(applied, 'type: Mesh\nname: other\n');
    execFileSync(zmctl, ['--cp', locked.base, '--token-file', tokenFile, 'apply', '-f', applied]);
    expect((await getJson(locked.base, '/meshes/other')).status).toBe(200);
    const reader = execFileSync(
      zmctl,
      [
        '--cp',
        locked.base,
        '--token-file',
        tokenFile,
        'generate',
        'user-token',
        '--name',
        'bob',
        '--valid-for',
        '1h',
      ],
      { encoding: 'utf8' },
    ).trim();
    const refused = await fetch(`${locked.base}/meshes/other`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(refused.status).toBe(403);
    expect(
      (await fetch(`${locked.base}/meshes/other`, { headers: { authorization: `Bearer ${reader}` } })).status,
    ).toBe(200);
  });

  it('reads never return secrets: an inline CA key is redacted for anyone but admins', async () => {
    const mesh = {
      type: 'Mesh',
      name: 'provided',
      mtls: {
        backends: [
          {
            name: 'ca-1',
            type: 'provided',
            conf: { cert: { inlineString: 'CERT' }, key: { inlineString: 'PRIVATE-KEY-MATERIAL' } },
          },
        ],
      },
    };
    const created = await fetch(`${locked.base}/meshes/provided`, {
      method: 'PUT',
      body: JSON.stringify(mesh),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    });
    expect(created.status).toBe(201);
    for (const path of ['/meshes/provided', '/meshes']) {
      expect(await (await fetch(`${locked.base}${path}`)).text()).not.toContain('PRIVATE-KEY-MATERIAL');
    }
    const tokensRead = await fetch(`${locked.base}/tokens/signing-keys`);
    expect(tokensRead.status).toBe(401);
  });
});
