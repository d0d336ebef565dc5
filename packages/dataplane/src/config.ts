/**
 * `zonemesh-dp run` configuration: its flags (each also env `ZONEMESH_<FLAG>`) and the schema
 * that turns them into a typed, checked config. Parsed once, in `main.ts`.
 */
import { HostPortSchema, type FlagDefinitions } from '@zonemesh/runtime';
import { z } from 'zod';

/** Every flag of `zonemesh-dp run`. `--dataplane-var` may be repeated (see command-line.ts). */
export const dataplaneFlags = {
  'cp-address': {
    type: 'string',
    description: "the zone control plane's dataplane server (its --dp-server-address)",
    valueName: 'URL',
  },
  'dataplane-file': {
    type: 'string',
    description: 'the Dataplane this sidecar serves: a Kuma Universal resource, YAML or JSON',
    valueName: 'FILE',
  },
  'dataplane-var': {
    type: 'string',
    description: 'replaces {{ K }} in the dataplane file; repeat the flag for several (env: K=V,K2=V2)',
    valueName: 'K=V',
  },
  'dataplane-token-file': {
    type: 'string',
    description: 'dataplane token sent to the control plane as a Bearer token',
    valueName: 'FILE',
  },
  'ca-cert-file': {
    type: 'string',
    description:
      "CA that signed the control plane's HTTPS certificate (the control plane's --tls-dir ca.crt)",
    valueName: 'FILE',
  },
  'admin-address': {
    type: 'string',
    description: '/ready and /metrics',
    default: '127.0.0.1:9901',
    valueName: 'HOST:PORT',
  },
  'log-level': {
    type: 'string',
    description: 'log level',
    default: 'info',
    valueName: 'debug|info|warn|error',
  },
} as const satisfies FlagDefinitions;

const varPattern = /^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/s;

/** The schema over raw flag values (camelCase keys). `dataplaneVar` arrives as `K=V` lines joined by `\n`. */
export const DataplaneConfigSchema = z.object({
  cpAddress: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  dataplaneFile: z.string({ error: 'is required' }).min(1, 'is required'),
  dataplaneVar: z
    .string()
    .optional()
    .transform((text, ctx) => {
      const vars: Record<string, string> = {};
      for (const entry of (text ?? '').split('\n')) {
        if (entry === '') continue;
        const match = varPattern.exec(entry);
        if (match === null) {
          ctx.addIssue({ code: 'custom', message: `"${entry}" is not K=V (K a letter, digit, _ . or -)` });
          continue;
        }
        vars[match[1] ?? ''] = match[2] ?? '';
      }
      return vars;
    }),
  dataplaneTokenFile: z.string().min(1).optional(),
  caCertFile: z.string().min(1).optional(),
  adminAddress: HostPortSchema.default({ host: '127.0.0.1', port: 9901 }),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
});

/** The checked configuration of a sidecar. */
export type DataplaneConfig = z.output<typeof DataplaneConfigSchema>;
