/**
 * What a zmctl command is. A command is one file in `src/commands/` exporting a {@link Command},
 * plus one entry in `command-table.ts`; the dispatcher gives it parsed flags, the global options
 * and the process's streams, and turns what it throws into an exit code.
 */
import type { GlobalOptions } from './global-options.js';

/** zmctl's exit codes (CONTRACT.md). */
export const ExitCode = {
  ok: 0,
  /** Invalid input, or the control plane refused the request. */
  invalid: 1,
  /** Wrong flags or arguments. */
  usage: 2,
  /** The control plane could not be reached. */
  unreachable: 3,
} as const;

/** One of {@link ExitCode}. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A command-specific flag, in `node:util` parseArgs terms plus help text. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder shown in help (`FILE`, `M`). */
  readonly valueName?: string;
  readonly description: string;
}

/** Where a command writes and reads. Tests and the real process provide their own. */
export interface CliIo {
  /** Writes to stdout as is (add the newline yourself). */
  out(text: string): void;
  /** Writes to stderr as is. */
  err(text: string): void;
  /** Reads all of stdin (for `-f -`). */
  readStdin(): Promise<string>;
}

/** Parsed flag values: a string, a boolean, or a list for `multiple` flags. */
export type FlagValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

/** What a command runs with. */
export interface CommandContext {
  readonly options: GlobalOptions;
  readonly flags: FlagValues;
  /** Positional arguments after the command words. */
  readonly args: readonly string[];
  readonly io: CliIo;
}

/** One zmctl command: its name, help and behaviour. */
export interface Command {
  /** One or two words: `validate`, `inspect traffic`. */
  readonly name: string;
  /** One line for `zmctl --help`. */
  readonly summary: string;
  /** Synopsis after `zmctl <name>`: `-f FILE... [-o table|yaml|json]`. */
  readonly synopsis: string;
  /** A paragraph for `zmctl <name> --help`. */
  readonly description: string;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  /** Whether positional arguments are accepted (`get KIND [NAME]`); extra ones are a usage error otherwise. */
  readonly acceptsArgs: boolean;
  /** Runs the command; returns its exit code or throws (UsageError, MeshError, anything). */
  run(context: CommandContext): Promise<ExitCode>;
}

/** Wrong flags or arguments: exit 2 with the message and a pointer to `--help`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
