/**
 * `zonemesh-ingress run` configuration: its flags (each also env `ZONEMESH_<FLAG>`) and the
 * schema that turns them into a typed, checked config. Parsed once, in `main.ts`.
 */
import { DurationSchema, HostPortSchema, type FlagDefinitions } from '@zonemesh/runtime';
import { z } from 'zod';

/** Every flag of `zonemesh-ingress run`. */
export const ingressFlags = {
  'cp-address': {
    type: 'string',
    description: "the zone control plane's dataplane server (its --dp-server-address)",
    valueName: 'URL',
  },
  'ingress-file': {
    type: 'string',
    description: 'the ZoneIngress this proxy serves: a Kuma Universal resource, YAML or JSON',
    valueName: 'FILE',
  },
  'token-file': {
    type: 'string',
    description: 'zone token (scope ingress) sent to the control plane as a Bearer token',
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
    default: '127.0.0.1:9902',
    valueName: 'HOST:PORT',
  },
  'client-hello-timeout': {
    type: 'string',
    description: 'a connection that sends no complete TLS ClientHello within this is closed',
    default: '5s',
    valueName: 'DURATION',
  },
  'log-level': {
    type: 'string',
    description: 'log level',
    default: 'info',
    valueName: 'debug|info|warn|error',
  },
} as const satisfies FlagDefinitions;

/** The schema over raw flag values (camelCase keys). */
export const IngressConfigSchema = z.object({
  cpAddress: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  ingressFile: z.string({ error: 'is required' }).min(1, 'is required'),
  tokenFile: z.string().min(1).optional(),
  caCertFile: z.string().min(1).optional(),
  adminAddress: HostPortSchema.default({ host: '127.0.0.1', port: 9902 }),
  clientHelloTimeout: DurationSchema.default(5_000).pipe(z.number().min(100, 'must be at least 100ms')),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
});

/** The checked configuration of a zone ingress. Durations in milliseconds. */
export type IngressProcessConfig = z.output<typeof IngressConfigSchema>;
