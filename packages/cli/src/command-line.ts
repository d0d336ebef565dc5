/**
 * zmctl's dispatcher: finds the command in argv, parses its flags with the global ones, runs it and
 * turns the outcome into an exit code. Errors go to stderr as one sentence plus field errors.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
import { isMeshError } from '@zonemesh/api';
import { type CliIo, type Command, ExitCode, type FlagSpec, UsageError } from './command.js';
import { commands as defaultCommands } from './command-table.js';
import { globalFlags, globalValueFlags, readGlobalOptions } from './global-options.js';
import { commandHelp, groupHelp, programHelp } from './help-text.js';

type Found =
  | { readonly kind: 'command'; readonly command: Command; readonly rest: string[] }
  | { readonly kind: 'group'; readonly group: string; readonly rest: string[] }
  | { readonly kind: 'none'; readonly rest: string[] }
  | { readonly kind: 'unknown'; readonly words: string };

/** Command words come first, possibly after global flags (`zmctl -o json validate ...`). */
function findCommand(argv: readonly string[], commands: readonly Command[]): Found {
  let i = 0;
  while (i < argv.length && (argv[i] ?? '').startsWith('-') && argv[i] !== '--') {
    i += globalValueFlags.has(argv[i] ?? '') ? 2 : 1;
  }
  const first = argv[i];
  const before = argv.slice(0, i);
  if (first === undefined || first === '--') return { kind: 'none', rest: [...before, ...argv.slice(i)] };
  const second = argv[i + 1];
  const pair = commands.find((command) => command.name === `${first} ${second ?? ''}`);
  if (pair !== undefined) return { kind: 'command', command: pair, rest: [...before, ...argv.slice(i + 2)] };
  const single = commands.find((command) => command.name === first);
  if (single !== undefined)
    return { kind: 'command', command: single, rest: [...before, ...argv.slice(i + 1)] };
  if (commands.some((command) => command.name.startsWith(`${first} `))) {
    const rest = [...before, ...argv.slice(i + 1)];
    if (second === undefined || second.startsWith('-')) return { kind: 'group', group: first, rest };
    return { kind: 'unknown', words: `${first} ${second}` };
  }
  return { kind: 'unknown', words: first };
}

function parserOptions(flags: Readonly<Record<string, FlagSpec>>): ParseArgsOptionsConfig {
  const options: ParseArgsOptionsConfig = {};
  for (const [name, spec] of Object.entries(flags)) {
    options[name] = {
      type: spec.type,
      ...(spec.short === undefined ? {} : { short: spec.short }),
      ...(spec.multiple === true ? { multiple: true } : {}),
    };
  }
  return options;
}

/** Prints a failure and picks its exit code. */
function report(err: unknown, io: CliIo, helpHint: string): ExitCode {
  if (err instanceof UsageError) {
    io.err(`zmctl: ${err.message}\n${helpHint}\n`);
    return ExitCode.usage;
  }
  if (isMeshError(err)) {
    const causes = err.causes.map(
      (cause) => `  ${cause.field === '' ? '' : `${cause.field}: `}${cause.message}\n`,
    );
    io.err(`zmctl: ${err.message}\n${causes.join('')}`);
    return err.code === 'Unavailable' ? ExitCode.unreachable : ExitCode.invalid;
  }
  io.err(`zmctl: unexpected failure: ${err instanceof Error ? err.message : String(err)}\n`);
  return ExitCode.invalid;
}

/**
 * Runs zmctl with `argv` (without node and script) and `env`; returns the exit code. Never throws.
 * `commands` is the table to dispatch over (tests may pass their own).
 */
export async function runCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CliIo,
  commands: readonly Command[] = defaultCommands,
): Promise<ExitCode> {
  // `zmctl help [command]` is `zmctl [command] --help`.
  const words = argv[0] === 'help' ? [...argv.slice(1), '--help'] : argv;
  const found = findCommand(words, commands);
  if (found.kind === 'unknown') {
    io.err(`zmctl: unknown command "${found.words}"\nRun "zmctl --help" for the commands.\n`);
    return ExitCode.usage;
  }
  if (found.kind === 'none' || found.kind === 'group') {
    const wantsHelp = found.rest.includes('--help') || found.rest.includes('-h');
    const text = found.kind === 'none' ? programHelp(commands) : groupHelp(found.group, commands);
    if (wantsHelp) {
      io.out(text);
      return ExitCode.ok;
    }
    io.err(
      found.kind === 'none'
        ? `zmctl: missing command\n\n${text}`
        : `zmctl: missing ${found.group} command\n\n${text}`,
    );
    return ExitCode.usage;
  }

  const { command, rest } = found;
  const helpHint = `Run "zmctl ${command.name} --help" for its flags.`;
  try {
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: rest,
        options: parserOptions({ ...globalFlags, ...command.flags }),
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    if (parsed.values.help === true) {
      io.out(commandHelp(command));
      return ExitCode.ok;
    }
    if (!command.acceptsArgs && parsed.positionals.length > 0) {
      throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
    }
    const global = readGlobalOptions(parsed.values, env);
    if (!global.ok) throw new UsageError(`invalid flags: ${global.problems.join('; ')}`);
    return await command.run({ options: global.options, flags: parsed.values, args: parsed.positionals, io });
  } catch (err) {
    return report(err, io, helpHint);
  }
}
