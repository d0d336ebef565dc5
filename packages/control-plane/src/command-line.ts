/**
 * The `zonemesh-cp` command line: `zonemesh-cp run --mode global|zone [flags]` and `--help`.
 * Turns argv and env into either a config to run with, help text, or one usage error listing
 * every problem (exit status 2).
 */
import { isMeshError } from '@zonemesh/api';
import { formatFlagHelp, loadConfig } from '@zonemesh/runtime';
import { ControlPlaneConfigSchema, controlPlaneFlags, type ControlPlaneConfig } from './config.js';

/** What the command line asks for. */
export type CommandLine =
  | { readonly kind: 'run'; readonly config: ControlPlaneConfig }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'usage-error'; readonly text: string };

/** Help for `zonemesh-cp` and `zonemesh-cp run`. */
export const usage = `Usage: zonemesh-cp run --mode global|zone [flags]

Runs a zonemesh control plane: the global one, where policies are written, or a zone one,
which receives them over NATS and serves its proxies. Logs are JSON lines on stdout; it logs
"ready" once its API is serving. Every flag is also read from env ZONEMESH_<FLAG>.

Flags:
${formatFlagHelp(controlPlaneFlags)}
  -h, --help    show this help
`;

/** Reads argv (without node and script) and env. Pure, for tests. */
export function parseCommandLine(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CommandLine {
  try {
    const loaded = loadConfig({ flags: controlPlaneFlags, schema: ControlPlaneConfigSchema, args, env });
    const [command, ...rest] = loaded.positionals;
    if (loaded.help || command === 'help') return { kind: 'help', text: usage };
    if (command !== 'run') {
      const what = command === undefined ? 'missing command' : `unknown command "${command}"`;
      return { kind: 'usage-error', text: `zonemesh-cp: ${what}; expected "run"\n\n${usage}` };
    }
    if (rest.length > 0) {
      return { kind: 'usage-error', text: `zonemesh-cp: unexpected argument "${rest[0]}"\n` };
    }
    if (loaded.config === undefined) throw new Error('config missing without --help');
    return { kind: 'run', config: loaded.config };
  } catch (err) {
    if (!isMeshError(err, 'InvalidInput')) throw err;
    const lines = err.causes.map((cause) => `  ${cause.field}: ${cause.message}`);
    return {
      kind: 'usage-error',
      text: `zonemesh-cp: invalid configuration:\n${lines.join('\n')}\nRun "zonemesh-cp run --help" for the flags.\n`,
    };
  }
}
