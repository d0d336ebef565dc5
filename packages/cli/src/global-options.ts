/**
 * Flags every zmctl command accepts, and the one place that reads zmctl's environment
 * (`ZONEMESH_CP`, `ZONEMESH_CA_CERT_FILE`). Parsed with a zod schema; every problem is reported together.
 */
import * as z from 'zod';
import type { FlagSpec } from './command.js';

/** Output formats of `-o`. */
export const outputFormats = ['table', 'yaml', 'json'] as const;

/** A `-o` value. */
export type OutputFormat = (typeof outputFormats)[number];

/** Where the control plane listens when neither `--cp` nor `ZONEMESH_CP` says otherwise (Kuma's port). */
export const defaultControlPlaneUrl = 'http://127.0.0.1:5681';

/**
 * The global options after defaults: `--cp` (else ZONEMESH_CP, else the default), `--token-file`,
 * `--ca-cert-file` (else ZONEMESH_CA_CERT_FILE), `-o`.
 */
export const GlobalOptionsSchema = z.object({
  cp: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  tokenFile: z.string().min(1, { error: 'must not be empty' }).optional(),
  caCertFile: z.string().min(1, { error: 'must not be empty' }).optional(),
  output: z.enum(outputFormats, { error: `must be one of: ${outputFormats.join(', ')}` }),
});

/** Parsed global options. */
export type GlobalOptions = z.infer<typeof GlobalOptionsSchema>;

/** The global flags, for the parser and for help. `help` is handled by the dispatcher. */
export const globalFlags: Readonly<Record<string, FlagSpec>> = {
  cp: {
    type: 'string',
    valueName: 'URL',
    description: `control plane API (default ${defaultControlPlaneUrl}, env ZONEMESH_CP)`,
  },
  'token-file': { type: 'string', valueName: 'FILE', description: 'file holding an API token' },
  'ca-cert-file': {
    type: 'string',
    valueName: 'FILE',
    description: "CA that signed the control plane's HTTPS certificate (env ZONEMESH_CA_CERT_FILE)",
  },
  output: {
    type: 'string',
    short: 'o',
    valueName: 'FORMAT',
    description: 'output format: table, yaml or json',
  },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

/** Global flags that take a value, with their short forms: the dispatcher skips their values. */
export const globalValueFlags: ReadonlySet<string> = new Set([
  '--cp',
  '--token-file',
  '--ca-cert-file',
  '--output',
  '-o',
]);

/**
 * Builds the global options from parsed flags and the environment.
 * Returns every problem as `--flag: message` when invalid.
 */
export function readGlobalOptions(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): { ok: true; options: GlobalOptions } | { ok: false; problems: string[] } {
  const parsed = GlobalOptionsSchema.safeParse({
    cp:
      flags.cp ??
      (env.ZONEMESH_CP === undefined || env.ZONEMESH_CP === '' ? defaultControlPlaneUrl : env.ZONEMESH_CP),
    tokenFile: flags['token-file'],
    caCertFile:
      flags['ca-cert-file'] ??
      (env.ZONEMESH_CA_CERT_FILE === undefined || env.ZONEMESH_CA_CERT_FILE === ''
        ? undefined
        : env.ZONEMESH_CA_CERT_FILE),
    output: flags.output ?? 'table',
  });
  if (parsed.success) return { ok: true, options: parsed.data };
  const names: Readonly<Record<string, string>> = {
    cp: '--cp',
    tokenFile: '--token-file',
    caCertFile: '--ca-cert-file',
    output: '-o/--output',
  };
  return {
    ok: false,
    problems: parsed.error.issues.map(
      (issue) => `${names[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`,
    ),
  };
}
