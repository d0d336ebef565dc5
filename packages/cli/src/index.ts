/** @zonemesh/cli — zmctl. The executable is `bin/zmctl.js`; this entry exposes the dispatcher for in-process use. */
export { runCommandLine } from './command-line.js';
export { ExitCode, UsageError } from './command.js';
export type { CliIo, Command, CommandContext, FlagSpec, FlagValues } from './command.js';
export type { GlobalOptions, OutputFormat } from './global-options.js';
