/**
 * `zmctl inspect traffic` as a user runs it (the built bin in a child process): decisions of the
 * Kuma corpus offline with `-f`, and the control-plane client against a small HTTP server that
 * plays the control plane's `_inspect/traffic` endpoint.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const zmctlBin = fileURLToPath(new URL('../../bin/zmctl.js', import.meta.url));
const corpusDir = fileURLToPath(new URL('../../../../../shared/conformance/kuma/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'zmctl-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function zmctl(args: string[], input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [zmctlBin, ...args], { env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Corpus decisions (EXPECTED.md, Kuma 2.6+ answers) checked through the binary. */
// biome-ignore format: one decision case per line
const corpusCases = [
  { file: '005-trafficpermission-override-b-and-c-to-a.yaml', source: 'kuma.io/service=c', destination: 'kuma.io/service=a', decision: 'ALLOW', policy: { type: 'TrafficPermission', name: 'allow-c-to-a' } },
  { file: '005-trafficpermission-override-b-and-c-to-a.yaml', source: 'kuma.io/service=b', destination: 'kuma.io/service=a', decision: 'DENY', policy: { type: 'TrafficPermission', name: 'allow-c-to-a' } },
  { file: '006-trafficpermission-combined-b-c-to-a.yaml', source: 'kuma.io/service=a', destination: 'kuma.io/service=b', decision: 'DENY', policy: null },
  { file: '007-trafficpermission-kumactl-fixtures.yaml', source: 'kuma.io/service=web1,version=1.0', destination: 'kuma.io/service=backend1,env=dev', decision: 'ALLOW', policy: { type: 'TrafficPermission', name: 'web1-to-backend1' } },
  { file: '007-trafficpermission-kumactl-fixtures.yaml', source: 'kuma.io/service=web1,version=2.0', destination: 'kuma.io/service=backend1,env=dev', decision: 'DENY', policy: { type: 'TrafficPermission', name: 'web1-to-backend1' } },
  { file: '034-mtp-fromrules-01.yaml', mesh: 'mesh-1', source: 'kuma.io/service=orders', destination: 'kuma.io/service=web,version=v1', decision: 'SHADOW', policy: { type: 'MeshTrafficPermission', name: 'mtp-1' } },
  { file: '036-mtp-lexicographic-order.yaml', source: 'app.kubernetes.io/name=service-payment', destination: 'kuma.io/service=foo,k8s.kuma.io/service-name=demo-app', decision: 'DENY', policy: { type: 'MeshTrafficPermission', name: 'rule-a' } },
  { file: '039-mtp-multiple-mtp.yaml', mesh: 'mesh-1', source: 'zone=us-east,env=staging', destination: 'kuma.io/service=backend', decision: 'ALLOW', policy: { type: 'MeshTrafficPermission', name: 'mtp-1' } },
  { file: '041-mtp-madr007-example.yaml', source: 'kuma.io/service=x,kuma.io/zone=us-west,env=prod', destination: 'kuma.io/service=backend', decision: 'DENY', policy: { type: 'MeshTrafficPermission', name: 'global' } },
  { file: '051-mesh-mtls-builtin.yaml', source: 'kuma.io/service=web', destination: 'kuma.io/service=backend', decision: 'DENY', policy: null },
] as const;

describe.skipIf(!existsSync(corpusDir))(
  'zmctl inspect traffic -f on the Kuma corpus (skipped when ../shared/conformance/kuma is absent)',
  () => {
    it.each(
      corpusCases.map((entry) => [`${entry.file}: ${entry.source} -> ${entry.destination}`, entry] as const),
    )('%s', async (_, entry) => {
      const mesh = 'mesh' in entry ? entry.mesh : 'default';
      const run = await zmctl([
        'inspect',
        'traffic',
        '--mesh',
        mesh,
        '--source',
        entry.source,
        '--destination',
        entry.destination,
        '-f',
        `${corpusDir}${entry.file}`,
        '-o',
        'json',
      ]);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      const printed = JSON.parse(run.stdout) as Record<string, unknown>;
      expect(Object.keys(printed)).toEqual(['decision', 'policy', 'reason']);
      expect(printed).toMatchObject({ decision: entry.decision, policy: entry.policy });
    });

    it('prints the decision, the policy and why as text', async () => {
      const run = await zmctl([
        'inspect',
        'traffic',
        '--source',
        'kuma.io/service=b',
        '--destination',
        'kuma.io/service=a',
        '-f',
        `${corpusDir}005-trafficpermission-override-b-and-c-to-a.yaml`,
      ]);
      expect(run).toEqual({
        code: 0,
        stderr: '',
        stdout: [
          'decision: DENY',
          'policy:   TrafficPermission allow-c-to-a',
          'reason:   allow-c-to-a wins over allow-b-to-a: same rank, created later; none of its sources matches the client',
          '',
        ].join('\n'),
      });
    });

    it('refuses files with an unsupported kind, naming the document (exit 1)', async () => {
      const run = await zmctl([
        'inspect',
        'traffic',
        '--source',
        'kuma.io/service=web',
        '--destination',
        'kuma.io/service=httpbin',
        '-f',
        `${corpusDir}003-trafficpermission-external-service-httpbin.yaml`,
      ]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        '003-trafficpermission-external-service-httpbin.yaml#0 ExternalService/httpbin: type:',
      );
    });
  },
);

describe('zmctl inspect traffic -f', () => {
  const twoPolicies = `type: TrafficPermission
name: old
mesh: default
creationTime: "2020-01-01T00:00:00Z"
sources: [{match: {kuma.io/service: web}}]
destinations: [{match: {kuma.io/service: backend}}]
---
type: TrafficPermission
name: zzz-first-in-file
mesh: default
sources: [{match: {kuma.io/service: api}}]
destinations: [{match: {kuma.io/service: backend}}]
---
type: TrafficPermission
name: aaa-second-in-file
mesh: default
sources: [{match: {kuma.io/service: db}}]
destinations: [{match: {kuma.io/service: backend}}]
`;

  it('counts a document without creationTime as created after the ones before it', async () => {
    const run = await zmctl(
      [
        'inspect',
        'traffic',
        '--source',
        'kuma.io/service=db',
        '--destination',
        'kuma.io/service=backend',
        '-f',
        '-',
        '-o',
        'json',
      ],
      twoPolicies,
    );
    expect(JSON.parse(run.stdout)).toMatchObject({
      decision: 'ALLOW',
      policy: { type: 'TrafficPermission', name: 'aaa-second-in-file' },
      reason:
        'aaa-second-in-file wins over zzz-first-in-file: same rank, created later; its sources[0] matches the client',
    });
  });

  it('takes mTLS as off when a Mesh in the files says so', async () => {
    const path = join(dir, 'mesh.yaml');
    writeFileSync(path, `type: Mesh\nname: default\n---\n${twoPolicies}`);
    const run = await zmctl([
      'inspect',
      'traffic',
      '--source',
      'kuma.io/service=x',
      '--destination',
      'kuma.io/service=backend',
      '-f',
      path,
      '-o',
      'json',
    ]);
    expect(JSON.parse(run.stdout)).toMatchObject({ decision: 'ALLOW', policy: null });
  });

  it.each([
    [['--source', 'web', '--destination', 'kuma.io/service=a'], '--source: "web" is not name=value'],
    [['--source', 'kuma.io/service=a'], 'missing --destination TAGS'],
    [['--source', 'a=1,a=2', '--destination', 'kuma.io/service=a'], '--source: tag "a" is given twice'],
  ])('refuses %j as a usage error (exit 2)', async (args, message) => {
    const run = await zmctl(['inspect', 'traffic', ...args, '-f', '-'], twoPolicies);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});

describe('zmctl inspect traffic against a control plane', () => {
  let server: Server;
  let url: string;
  const requests: { method: string; path: string; body: unknown }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        requests.push({
          method: request.method ?? '',
          path: request.url ?? '',
          body: JSON.parse(text || 'null'),
        });
        response.setHeader('content-type', 'application/json');
        if (request.url?.startsWith('/meshes/broken/')) {
          response.end(JSON.stringify({ verdict: 'maybe' }));
          return;
        }
        response.end(
          JSON.stringify({
            decision: 'SHADOW',
            policy: { type: 'MeshTrafficPermission', name: 'm' },
            reason: 'because',
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('posts the tags to /meshes/{mesh}/_inspect/traffic and prints the answer', async () => {
    const run = await zmctl([
      'inspect',
      'traffic',
      '--cp',
      url,
      '--mesh',
      'm1',
      '--source',
      'kuma.io/service=web,version=v1',
      '--destination',
      'kuma.io/service=backend',
      '-o',
      'json',
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      decision: 'SHADOW',
      policy: { type: 'MeshTrafficPermission', name: 'm' },
      reason: 'because',
    });
    expect(requests.at(-1)).toEqual({
      method: 'POST',
      path: '/meshes/m1/_inspect/traffic',
      body: {
        source: { 'kuma.io/service': 'web', version: 'v1' },
        destination: { 'kuma.io/service': 'backend' },
      },
    });
  });

  it('refuses an answer of the wrong shape (exit 1)', async () => {
    const run = await zmctl([
      'inspect',
      'traffic',
      '--cp',
      url,
      '--mesh',
      'broken',
      '--source',
      'kuma.io/service=web',
      '--destination',
      'kuma.io/service=backend',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('answered POST /meshes/broken/_inspect/traffic with something unexpected');
  });

  it('exits 3 when the control plane cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const run = await zmctl([
      'inspect',
      'traffic',
      '--cp',
      `http://127.0.0.1:${port}`,
      '--source',
      'kuma.io/service=web',
      '--destination',
      'kuma.io/service=backend',
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('cannot reach the control plane');
  });
});
