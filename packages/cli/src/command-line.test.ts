/** The dispatcher with a table of test commands: grouping, flag merging and exit codes per failure. */
import { MeshError } from '@zonemesh/api';
import { describe, expect, it } from 'vitest';
import { type CliIo, type Command, ExitCode, UsageError } from './command.js';
import { runCommandLine } from './command-line.js';

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(text: string) {
      io.stdout += text;
    },
    err(text: string) {
      io.stderr += text;
    },
    readStdin: () => Promise.resolve(''),
  };
  return io;
}

const seen: unknown[] = [];

function command(name: string, behaviour: () => ExitCode): Command {
  return {
    name,
    summary: `the ${name} command`,
    synopsis: '[--mesh M]',
    description: `Does ${name}.`,
    flags: { mesh: { type: 'string', valueName: 'M', description: 'mesh name' } },
    acceptsArgs: name.startsWith('inspect'),
    run: (context) => {
      seen.push(context);
      return Promise.resolve(behaviour());
    },
  };
}

const table: Command[] = [
  command('inspect traffic', () => ExitCode.ok),
  command('inspect zones', () => {
    throw new MeshError('Unavailable', 'control plane at http://127.0.0.1:1 is unreachable');
  }),
  command('apply', () => {
    throw new MeshError('InvalidInput', 'TrafficPermission "x" is invalid', {
      causes: [{ field: 'sources', message: 'must have at least one element' }],
    });
  }),
  command('get', () => {
    throw new UsageError('missing KIND');
  }),
  command('boom', () => {
    throw new Error('disk on fire');
  }),
];

describe('runCommandLine', () => {
  it('runs a two-word command with global and own flags anywhere', async () => {
    const io = capture();
    seen.length = 0;
    const code = await runCommandLine(
      ['--cp', 'http://cp:5681', 'inspect', 'traffic', '--mesh', 'm1', 'extra', '-o', 'json'],
      {},
      io,
      table,
    );
    expect(code).toBe(ExitCode.ok);
    expect(seen[0]).toMatchObject({
      options: { cp: 'http://cp:5681', output: 'json' },
      flags: { mesh: 'm1' },
      args: ['extra'],
    });
  });

  it('lists a group when its command is missing', async () => {
    const io = capture();
    expect(await runCommandLine(['inspect', '--help'], {}, io, table)).toBe(ExitCode.ok);
    expect(io.stdout).toContain('inspect traffic');
    expect(io.stdout).toContain('inspect zones');
    expect(await runCommandLine(['inspect'], {}, capture(), table)).toBe(ExitCode.usage);
    expect(await runCommandLine(['inspect', 'nothing'], {}, capture(), table)).toBe(ExitCode.usage);
  });

  it('reads "help COMMAND" as "COMMAND --help"', async () => {
    const io = capture();
    expect(await runCommandLine(['help', 'inspect', 'traffic'], {}, io, table)).toBe(ExitCode.ok);
    expect(io.stdout).toMatch(/^Usage: zmctl inspect traffic \[--mesh M\]/);
    const program = capture();
    expect(await runCommandLine(['help'], {}, program, table)).toBe(ExitCode.ok);
    expect(program.stdout).toMatch(/^Usage: zmctl <command>/);
  });

  it('maps an unreachable control plane to exit 3', async () => {
    const io = capture();
    expect(await runCommandLine(['inspect', 'zones'], {}, io, table)).toBe(ExitCode.unreachable);
    expect(io.stderr).toBe('zmctl: control plane at http://127.0.0.1:1 is unreachable\n');
  });

  it('prints a refusal as one sentence plus the field errors, exit 1', async () => {
    const io = capture();
    expect(await runCommandLine(['apply'], {}, io, table)).toBe(ExitCode.invalid);
    expect(io.stderr).toBe(
      'zmctl: TrafficPermission "x" is invalid\n  sources: must have at least one element\n',
    );
  });

  it('maps usage errors to exit 2 with a pointer to help', async () => {
    const io = capture();
    expect(await runCommandLine(['get'], {}, io, table)).toBe(ExitCode.usage);
    expect(io.stderr).toBe('zmctl: missing KIND\nRun "zmctl get --help" for its flags.\n');
    expect(await runCommandLine(['apply', 'stray'], {}, capture(), table)).toBe(ExitCode.usage);
  });

  it('reports an unexpected failure with exit 1', async () => {
    const io = capture();
    expect(await runCommandLine(['boom'], {}, io, table)).toBe(ExitCode.invalid);
    expect(io.stderr).toBe('zmctl: unexpected failure: disk on fire\n');
  });

  it('uses ZONEMESH_CP when --cp is absent, and the default otherwise', async () => {
    seen.length = 0;
    await runCommandLine(['inspect', 'traffic'], { ZONEMESH_CP: 'https://global:5681' }, capture(), table);
    await runCommandLine(['inspect', 'traffic'], {}, capture(), table);
    expect(seen).toMatchObject([
      { options: { cp: 'https://global:5681', output: 'table' } },
      { options: { cp: 'http://127.0.0.1:5681' } },
    ]);
  });
});
