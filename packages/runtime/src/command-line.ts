/**
 * The command line every zonemesh deployable shares: `<program> run [flags]` and `--help`. Argv
 * and env become a config to run with, help text, or one usage error listing every problem; the
 * composition root then turns help into exit status 0 and a usage error into exit status 2, as it
 * does with a startup file that cannot be read.
 */
import { readFileSync } from 'node:fs';
import { isMeshError, MeshError, toMeshError } from '@zonemesh/api';
import type * as z from 'zod';
import { type FlagDefinitions, formatFlagHelp, loadConfig } from './config.js';

/** What the command line asks for. */
export type CommandLine<C> =
  | { readonly kind: 'run'; readonly config: C }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'usage-error'; readonly text: string };

/**
 * A deployable's `--help`: its own synopsis and description (`head`, without a trailing newline),
 * then every flag with its env name and `-h, --help`.
 */
export function formatUsage(head: string, flags: FlagDefinitions): string {
  return `${head}\n\nFlags:\n${formatFlagHelp(flags)}\n  -h, --help    show this help\n`;
}

/** What {@link parseRunCommandLine} reads. */
export interface RunCommandLineOptions<S extends z.ZodType> {
  /** The binary's name, which starts every usage error (`zonemesh-dp`). */
  readonly program: string;
  /** The help text, returned for `--help` and `help` and appended to a wrong command. */
  readonly usage: string;
  readonly flags: FlagDefinitions;
  readonly schema: S;
  /** Argv without node and script. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Reads `<program> run [flags]`. Pure, for tests. Only an `InvalidInput` from the config loader
 * becomes a usage error; anything else is a bug and is thrown.
 */
export function parseRunCommandLine<S extends z.ZodType>(
  options: RunCommandLineOptions<S>,
): CommandLine<z.output<S>> {
  const { program, usage } = options;
  try {
    const loaded = loadConfig({
      flags: options.flags,
      schema: options.schema,
      args: options.args,
      env: options.env,
    });
    const [command, ...extra] = loaded.positionals;
    if (loaded.help || command === 'help') return { kind: 'help', text: usage };
    if (command !== 'run') {
      const what = command === undefined ? 'missing command' : `unknown command "${command}"`;
      return { kind: 'usage-error', text: `${program}: ${what}; expected "run"\n\n${usage}` };
    }
    if (extra.length > 0)
      return { kind: 'usage-error', text: `${program}: unexpected argument "${extra[0]}"\n` };
    if (loaded.config === undefined) throw new Error('config missing without --help');
    return { kind: 'run', config: loaded.config };
  } catch (err) {
    if (!isMeshError(err, 'InvalidInput')) throw err;
    const lines = err.causes.map((cause) => `  ${cause.field}: ${cause.message}`);
    return {
      kind: 'usage-error',
      text: `${program}: invalid configuration:\n${lines.join('\n')}\nRun "${program} run --help" for the flags.\n`,
    };
  }
}

/**
 * For `main.ts` only: returns the config to run with, or ends the process: help on stdout with
 * status 0, a usage error on stderr with status 2.
 */
export function configOrExit<C>(commandLine: CommandLine<C>): C {
  if (commandLine.kind === 'help') {
    process.stdout.write(commandLine.text);
    process.exit(0);
  }
  if (commandLine.kind === 'usage-error') {
    process.stderr.write(commandLine.text);
    process.exit(2);
  }
  return commandLine.config;
}

/**
 * For `main.ts` only: ends the process with status 2 after writing `<program>: <message>` and one
 * line per cause to stderr. For startup failures the operator must fix (a file that cannot be read).
 */
export function exitOnStartupError(program: string, err: unknown): never {
  const error = toMeshError(err);
  const causes = error.causes.map((cause) => `  ${cause.field}: ${cause.message}`);
  process.stderr.write(`${program}: ${error.message}\n${causes.join('\n')}\n`);
  process.exit(2);
}

/**
 * Reads a file a flag names (a token, a CA bundle). Throws `MeshError('InvalidInput')`, not
 * retryable, whose message says `cannot read <what> <path>` and whose cause names `flag`.
 * `trim` drops surrounding whitespace (a token file's trailing newline).
 */
export function readFlagFile(path: string, options: { flag: string; what: string; trim?: boolean }): string {
  try {
    const text = readFileSync(path, 'utf8');
    return options.trim === true ? text.trim() : text;
  } catch (err) {
    throw new MeshError('InvalidInput', `cannot read ${options.what} ${path}`, {
      causes: [{ field: options.flag, message: (err as Error).message }],
    });
  }
}
