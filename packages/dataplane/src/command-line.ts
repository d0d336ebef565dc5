/**
 * The `zonemesh-dp` command line: `zonemesh-dp run --cp-address URL --dataplane-file FILE ...`
 * and `--help`. Turns argv and env into a config to run with, help text, or one usage error
 * listing every problem (exit status 2).
 */
import {
  type CommandLine as RunCommandLine,
  envName,
  formatUsage,
  parseRunCommandLine,
} from '@zonemesh/runtime';
import { DataplaneConfigSchema, dataplaneFlags, type DataplaneConfig } from './config.js';

/** What the command line asks for. */
export type CommandLine = RunCommandLine<DataplaneConfig>;

/** Help for `zonemesh-dp` and `zonemesh-dp run`. */
export const usage = formatUsage(
  `Usage: zonemesh-dp run --cp-address URL --dataplane-file FILE [flags]

Runs a sidecar next to one workload: registers its Dataplane with the zone control plane, gets
a workload certificate (mesh mTLS), and serves the inbounds (mTLS in, permissions checked, to
the app) and outbounds (from the app, balanced over that service's endpoints in every zone) the
control plane pushes. Keeps serving its last configuration while the control plane is away.
Logs are JSON lines on stdout; it logs "ready" once serving. Every flag is also read from env
ZONEMESH_<FLAG>.`,
  dataplaneFlags,
);

const repeatable = 'dataplane-var';

/** Reads argv (without node and script) and env. Pure, for tests. */
export function parseCommandLine(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CommandLine {
  const { rest, values } = collectRepeated(args, repeatable);
  const envVars = env[envName(repeatable)];
  return parseRunCommandLine({
    program: 'zonemesh-dp',
    usage,
    flags: dataplaneFlags,
    schema: DataplaneConfigSchema,
    args: values.length > 0 ? [...rest, `--${repeatable}=${values.join('\n')}`] : rest,
    env: envVars === undefined ? env : { ...env, [envName(repeatable)]: envVars.split(',').join('\n') },
  });
}

/**
 * Takes every `--flag V` / `--flag=V` out of `args` (the shared config loader keeps one value per
 * flag). A `--flag` without a value is left in place for the loader to report.
 */
function collectRepeated(args: readonly string[], flag: string): { rest: string[]; values: string[] } {
  const rest: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (arg.startsWith(`--${flag}=`)) {
      values.push(arg.slice(flag.length + 3));
      continue;
    }
    const next = args[i + 1];
    if (arg === `--${flag}` && next !== undefined && !next.startsWith('-')) {
      values.push(next);
      i++;
      continue;
    }
    rest.push(arg);
  }
  return { rest, values };
}
