/**
 * The `zonemesh-cp` command line: `zonemesh-cp run --mode global|zone [flags]` and `--help`.
 * Turns argv and env into either a config to run with, help text, or one usage error listing
 * every problem (exit status 2).
 */
import { type CommandLine as RunCommandLine, formatUsage, parseRunCommandLine } from '@zonemesh/runtime';
import { ControlPlaneConfigSchema, controlPlaneFlags, type ControlPlaneConfig } from './config.js';

/** What the command line asks for. */
export type CommandLine = RunCommandLine<ControlPlaneConfig>;

/** Help for `zonemesh-cp` and `zonemesh-cp run`. */
export const usage = formatUsage(
  `Usage: zonemesh-cp run --mode global|zone [flags]

Runs a zonemesh control plane: the global one, where policies are written, or a zone one,
which receives them over NATS and serves its proxies. Logs are JSON lines on stdout; it logs
"ready" once its API is serving. Every flag is also read from env ZONEMESH_<FLAG>.`,
  controlPlaneFlags,
);

/** Reads argv (without node and script) and env. Pure, for tests. */
export function parseCommandLine(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CommandLine {
  return parseRunCommandLine({
    program: 'zonemesh-cp',
    usage,
    flags: controlPlaneFlags,
    schema: ControlPlaneConfigSchema,
    args,
    env,
  });
}
