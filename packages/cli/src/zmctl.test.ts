/**
 * zmctl as a user runs it: the built `bin/zmctl.js` in a child process, checking stdout, stderr and
 * the exit code. (`pnpm test` builds dist first.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rmSync } from 'node:fs';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'zmctl.js');
const dir = mkdtempSync(join(tmpdir(), 'zmctl-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function zmctl(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    input: options.input ?? '',
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...options.env },
    timeout: 20_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

const valid = file(
  'valid.yaml',
  `type: Mesh
name: default
mtls:
  enabledBackend: ca-1
  backends:
    - name: ca-1
      type: builtin
---
type: TrafficPermission
name: web-to-backend
mesh: default
sources:
  - match:
      kuma.io/service: web
destinations:
  - match:
      kuma.io/service: backend
`,
);

const invalid = file(
  'invalid.yaml',
  `type: Zone
name: zone-1
---
type: TrafficPermission
name: empty
mesh: default
---
type: MeshTimeout
name: mt
mesh: default
`,
);

describe('zmctl validate', () => {
  it('exits 0 when every document is valid', () => {
    const run = zmctl(['validate', '-f', valid]);
    expect(run).toEqual({ code: 0, stdout: '2 documents in 1 file: all valid\n', stderr: '' });
  });

  it('exits 1 and prints FILE#index TYPE/NAME: FIELD: MESSAGE per problem', () => {
    const run = zmctl(['validate', '-f', invalid]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      [
        'invalid.yaml#1 TrafficPermission/empty: sources: must have at least one element',
        'invalid.yaml#1 TrafficPermission/empty: destinations: must have at least one element',
        'invalid.yaml#2 MeshTimeout/mt: type: kind "MeshTimeout" is not supported; supported kinds: Mesh, Dataplane, ZoneIngress, Zone, TrafficPermission, HealthCheck, TrafficRoute, MeshTrafficPermission, MeshHealthCheck',
        '',
      ].join('\n'),
    );
    expect(run.stderr).toBe('zmctl: 2 of 3 documents are invalid\n');
  });

  it('prints every document as JSON with -o json', () => {
    const run = zmctl(['validate', '-f', valid, '-f', invalid, '-o', 'json']);
    expect(run.code).toBe(1);
    const verdicts = JSON.parse(run.stdout) as unknown[];
    expect(verdicts).toHaveLength(5);
    expect(verdicts[0]).toEqual({
      file: 'valid.yaml',
      index: 0,
      type: 'Mesh',
      name: 'default',
      valid: true,
      errors: [],
    });
    expect(verdicts[3]).toEqual({
      file: 'invalid.yaml',
      index: 1,
      type: 'TrafficPermission',
      name: 'empty',
      valid: false,
      errors: [
        { field: 'sources', message: 'must have at least one element' },
        { field: 'destinations', message: 'must have at least one element' },
      ],
    });
  });

  it('prints YAML with -o yaml, global flag before the command', () => {
    const run = zmctl(['-o', 'yaml', 'validate', valid]);
    expect(run.code).toBe(0);
    expect(parse(run.stdout)).toHaveLength(2);
  });

  it('reads stdin for -f -', () => {
    const run = zmctl(['validate', '-f', '-'], { input: '{"type": "Zone", "name": "z", "enabled": "yes"}' });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('-#0 Zone/z: enabled: must be a boolean (true or false)\n');
  });

  it('names line and column of a YAML syntax error', () => {
    const broken = file('broken.yaml', 'type: Mesh\nname: [default\n');
    const run = zmctl(['validate', '-f', broken]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^broken\.yaml#0: YAML syntax error at line 3, column 1: /);
  });

  it('reports a file it cannot read and still checks the others', () => {
    const run = zmctl(['validate', '-f', 'missing.yaml', '-f', valid, '-o', 'json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject([
      {
        file: 'missing.yaml',
        valid: false,
        errors: [{ field: '', message: 'cannot read the file: no such file' }],
      },
      { file: 'valid.yaml', valid: true },
      { file: 'valid.yaml', valid: true },
    ]);
  });

  it('treats a file without resources as invalid', () => {
    const run = zmctl(['validate', '-f', file('empty.yaml', '# nothing here\n')]);
    expect(run).toMatchObject({ code: 1, stdout: 'empty.yaml#0: no resources in the file\n' });
  });
});

describe('zmctl usage', () => {
  it('shows help for the program and for each command with exit 0', () => {
    const program = zmctl(['--help']);
    expect(program.code).toBe(0);
    expect(program.stdout).toContain('validate');
    expect(program.stdout).toContain('--cp URL');
    const command = zmctl(['validate', '--help']);
    expect(command.code).toBe(0);
    expect(command.stdout).toMatch(/^Usage: zmctl validate -f FILE\.\.\./);
  });

  it.each([
    [['validate'], 'zmctl: missing -f FILE'],
    [['validate', '-f', valid, '--bogus'], "zmctl: Unknown option '--bogus'"],
    [
      ['validate', '-f', valid, '-o', 'xml'],
      'zmctl: invalid flags: -o/--output: must be one of: table, yaml, json',
    ],
    [
      ['validate', '-f', valid, '--cp', 'ftp://cp'],
      'zmctl: invalid flags: --cp: must be an http:// or https:// URL',
    ],
    [['frobnicate'], 'zmctl: unknown command "frobnicate"'],
    [[], 'zmctl: missing command'],
  ])('%j is a usage error (exit 2)', (args, message) => {
    const run = zmctl(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.startsWith(message)).toBe(true);
  });

  it('reads the control plane address from ZONEMESH_CP', () => {
    const run = zmctl(['validate', '-f', valid], { env: { ZONEMESH_CP: 'not a url' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--cp: must be an http:// or https:// URL');
  });
});
