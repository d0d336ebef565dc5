/**
 * The `zonemesh-dp` command line: `zonemesh-dp run --cp-address URL --dataplane-file FILE ...`
 * and `--help`. Turns argv and env into a config to run with, help text, or one usage error
 * listing every problem (exit status 2).
 */
import { isMeshError } from '@zonemesh/api';
import { envName, formatFlagHelp, loadConfig } from '@zonemesh/runtime';
import { DataplaneConfigSchema, dataplaneFlags, type DataplaneConfig } from './config.js';

/** What the command line asks for. */
export type CommandLine =
  | { readonly kind: 'run'; readonly config: DataplaneConfig }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'usage-error'; readonly text: string };

/** Help for `zonemesh-dp` and `zonemesh-dp run`. */
export const usage = `Usage: zonemesh-dp run --cp-address URL --dataplane-file FILE [flags]

Runs a sidecar next to one workload: registers its Dataplane with the zone control plane, gets
a workload certificate (mesh mTLS), and serves the inbounds (mTLS in, permissions checked, to
the app) and outbounds (from the app, balanced over that service's endpoints in every zone) the
control plane pushes. Keeps serving its last configuration while the control plane is away.
Logs are JSON lines on stdout; it logs "ready" once serving. Every flag is also read from env
ZONEMESH_<FLAG>.

Flags:
${formatFlagHelp(dataplaneFlags)}
  -h, --help    show this help
`;

const repeatable = 'dataplane-var';

/** Reads argv (without node and script) and env. Pure, for tests. */
export function parseCommandLine(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CommandLine {
  try {
    const { rest, values } = collectRepeated(args, repeatable);
    const envVars = env[envName(repeatable)];
    const loaded = loadConfig({
      flags: dataplaneFlags,
      schema: DataplaneConfigSchema,
      args: values.length > 0 ? [...rest, `--${repeatable}=${values.join('\n')}`] : rest,
      env: envVars === undefined ? env : { ...env, [envName(repeatable)]: envVars.split(',').join('\n') },
    });
    const [command, ...extra] = loaded.positionals;
    if (loaded.help || command === 'help') return { kind: 'help', text: usage };
    if (command !== 'run') {
      const what = command === undefined ? 'missing command' : `unknown command "${command}"`;
      return { kind: 'usage-error', text: `zonemesh-dp: ${what}; expected "run"\n\n${usage}` };
    }
    if (extra.length > 0)
      return { kind: 'usage-error', text: `zonemesh-dp: unexpected argument "${extra[0]}"\n` };
    if (loaded.config === undefined) throw new Error('config missing without --help');
    return { kind: 'run', config: loaded.config };
  } catch (err) {
    if (!isMeshError(err, 'InvalidInput')) throw err;
    const lines = err.causes.map((cause) => `  ${cause.field}: ${cause.message}`);
    return {
      kind: 'usage-error',
      text: `zonemesh-dp: invalid configuration:\n${lines.join('\n')}\nRun "zonemesh-dp run --help" for the flags.\n`,
    };
  }
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
