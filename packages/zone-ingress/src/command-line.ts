/**
 * The `zonemesh-ingress` command line: `zonemesh-ingress run --cp-address URL --ingress-file
 * FILE ...` and `--help`. Turns argv and env into a config to run with, help text, or one usage
 * error listing every problem (exit status 2).
 */
import { type CommandLine as RunCommandLine, formatUsage, parseRunCommandLine } from '@zonemesh/runtime';
import { IngressConfigSchema, ingressFlags, type IngressProcessConfig } from './config.js';

/** What the command line asks for. */
export type CommandLine = RunCommandLine<IngressProcessConfig>;

/** Help for `zonemesh-ingress` and `zonemesh-ingress run`. */
export const usage = formatUsage(
  `Usage: zonemesh-ingress run --cp-address URL --ingress-file FILE [flags]

Runs a zone ingress: registers its ZoneIngress with the zone control plane and carries other
zones' mesh traffic to this zone's services. It reads each connection's TLS ClientHello SNI
(<service>{mesh=<mesh>}) without decrypting and forwards the bytes to a healthy local instance
of that service. Keeps serving its last configuration while the control plane is away. Logs are
JSON lines on stdout; it logs "ready" once serving. Every flag is also read from env
ZONEMESH_<FLAG>.`,
  ingressFlags,
);

/** Reads argv (without node and script) and env. Pure, for tests. */
export function parseCommandLine(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CommandLine {
  return parseRunCommandLine({
    program: 'zonemesh-ingress',
    usage,
    flags: ingressFlags,
    schema: IngressConfigSchema,
    args,
    env,
  });
}
