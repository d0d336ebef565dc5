/**
 * `zonemesh-cp run` configuration: its flags (each also env `ZONEMESH_<FLAG>`) and the schema
 * that turns them into a typed, checked config. Parsed once, in `main.ts`.
 */
import { DurationSchema, HostPortSchema, type FlagDefinitions } from '@zonemesh/runtime';
import { z } from 'zod';

/** Every flag of `zonemesh-cp run`. */
export const controlPlaneFlags = {
  mode: {
    type: 'string',
    description: 'run as the global control plane or a zone control plane',
    valueName: 'global|zone',
  },
  zone: {
    type: 'string',
    description: "this zone's name (zone mode; required when federated)",
    valueName: 'NAME',
  },
  'nats-url': {
    type: 'string',
    description: 'NATS server(s), comma-separated; in zone mode its presence makes the zone federated',
    valueName: 'URL',
  },
  'nats-creds': { type: 'string', description: 'NATS credentials file (optional)', valueName: 'FILE' },
  'nats-js-domain': {
    type: 'string',
    description: "the hub's JetStream domain when connecting through a leaf node",
    valueName: 'DOMAIN',
  },
  'nats-js-api-prefix': {
    type: 'string',
    description: 'JetStream API prefix imported by a zone account',
    valueName: 'PREFIX',
  },
  'nats-inbox-prefix': {
    type: 'string',
    description: 'inbox subject prefix allowed for this zone',
    valueName: 'PREFIX',
  },
  store: {
    type: 'string',
    description: 'where resources are kept',
    default: 'memory',
    valueName: 'memory|redis|kubernetes',
  },
  'redis-url': { type: 'string', description: 'Redis URL (with --store redis)', valueName: 'URL' },
  'api-address': {
    type: 'string',
    description: 'REST API, /metrics and /ready',
    default: '0.0.0.0:5681',
    valueName: 'HOST:PORT',
  },
  'dp-server-address': {
    type: 'string',
    description: 'dataplane server, where proxies connect (zone mode)',
    default: '0.0.0.0:5678',
    valueName: 'HOST:PORT',
  },
  'dp-cert-lifetime': {
    type: 'string',
    description:
      "lifetime of proxies' certificates when the Mesh's dpCert.rotation.expiration does not set it (zone mode)",
    default: '24h',
    valueName: 'DURATION',
  },
  environment: {
    type: 'string',
    description: 'where the control plane runs',
    default: 'universal',
    valueName: 'universal|kubernetes',
  },
  'kubernetes-namespace': {
    type: 'string',
    description: "the control plane's namespace on Kubernetes (store checkpoints, ingress Service, webhooks)",
    default: 'zonemesh-system',
    valueName: 'NAMESPACE',
  },
  'kubernetes-service': {
    type: 'string',
    description: 'the Service (and service account) of this control plane on Kubernetes',
    default: 'zonemesh-control-plane',
    valueName: 'NAME',
  },
  'webhook-address': {
    type: 'string',
    description: 'admission webhooks (HTTPS, kubernetes environment)',
    default: '0.0.0.0:5443',
    valueName: 'HOST:PORT',
  },
  'webhook-cert-file': {
    type: 'string',
    description: 'webhook TLS certificate (default: a self-signed one made at start)',
    valueName: 'FILE',
  },
  'webhook-key-file': { type: 'string', description: 'webhook TLS key', valueName: 'FILE' },
  'webhook-ca-file': {
    type: 'string',
    description: 'CA of the provided webhook certificate (default: the certificate itself)',
    valueName: 'FILE',
  },
  'webhook-register': {
    type: 'boolean',
    description: 'write the webhook configurations (with the CA) at start',
    default: 'true',
  },
  'sidecar-image': {
    type: 'string',
    description: 'image of the injected zonemesh-dp sidecar',
    default: 'zonemesh/zonemesh:0.1.0',
    valueName: 'IMAGE',
  },
  'sidecar-cp-address': {
    type: 'string',
    description: "the dataplane server as injected sidecars reach it (default: this Service's port 5678)",
    valueName: 'URL',
  },
  'zone-offline-timeout': {
    type: 'string',
    description: 'global shows a zone Offline after this long without a heartbeat',
    default: '30s',
    valueName: 'DURATION',
  },
  'api-localhost-is-admin': {
    type: 'boolean',
    description: "requests from loopback are admin without a token (Kuma's default; false for production)",
    default: 'true',
  },
  'tls-cert-file': {
    type: 'string',
    description: 'serve the API and the dataplane server over HTTPS with this certificate (chain), PEM',
    valueName: 'FILE',
  },
  'tls-key-file': { type: 'string', description: 'the key of --tls-cert-file, PEM', valueName: 'FILE' },
  'tls-dir': {
    type: 'string',
    description:
      'without --tls-cert-file: make a CA and a server certificate in DIR at first start (kept for later starts) and serve HTTPS; clients trust DIR/ca.crt (--ca-cert-file)',
    valueName: 'DIR',
  },
  'tls-hostnames': {
    type: 'string',
    description:
      'extra DNS names and IPs of the certificate --tls-dir makes, comma-separated (localhost, 127.0.0.1, ::1 and the host name are always in)',
    valueName: 'LIST',
  },
  'admin-token-file': {
    type: 'string',
    description:
      'at start, write an admin user token (group mesh-system:admin) to FILE unless it exists: the first admin credential when --api-localhost-is-admin=false',
    valueName: 'FILE',
  },
  'dp-auth': {
    type: 'string',
    description:
      'how proxies prove who they are: token (dataplane/zone tokens; on Kubernetes also ServiceAccount tokens) or none (development only)',
    default: 'token',
    valueName: 'token|none',
  },
  'token-max-validity': {
    type: 'string',
    description:
      'the longest --valid-for a token may get; revocations and retired signing keys are kept this long',
    default: '8760h',
    valueName: 'DURATION',
  },
  'signing-key-rotation': {
    type: 'string',
    description: 'a new token signing key is made when the newest is this old (0s: only on request)',
    default: '720h',
    valueName: 'DURATION',
  },
  'skip-default-mesh': {
    type: 'boolean',
    description:
      'do not create Mesh "default" at start (global and standalone zones create it, as Kuma does)',
    default: 'false',
  },
  'log-level': {
    type: 'string',
    description: 'log level',
    default: 'info',
    valueName: 'debug|info|warn|error',
  },
} as const satisfies FlagDefinitions;

/** The schema over raw flag values (camelCase keys). */
export const ControlPlaneConfigSchema = z
  .object({
    mode: z.enum(['global', 'zone'], { error: 'must be global or zone' }),
    zone: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and -')
      .optional(),
    natsUrl: z.string().min(1).optional(),
    natsCreds: z.string().min(1).optional(),
    natsJsDomain: z.string().min(1).optional(),
    natsJsApiPrefix: z.string().min(1).optional(),
    natsInboxPrefix: z.string().min(1).optional(),
    store: z
      .string()
      .default('memory')
      .pipe(z.enum(['memory', 'redis', 'kubernetes'], { error: 'must be memory, redis or kubernetes' })),
    redisUrl: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
    apiAddress: HostPortSchema.default({ host: '0.0.0.0', port: 5681 }),
    dpServerAddress: HostPortSchema.default({ host: '0.0.0.0', port: 5678 }),
    dpCertLifetime: DurationSchema.default(86_400_000).pipe(z.number().min(60_000, 'must be at least 1m')),
    environment: z
      .string()
      .default('universal')
      .pipe(z.enum(['universal', 'kubernetes'], { error: 'must be universal or kubernetes' })),
    kubernetesNamespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and -')
      .default('zonemesh-system'),
    kubernetesService: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and -')
      .default('zonemesh-control-plane'),
    webhookAddress: HostPortSchema.default({ host: '0.0.0.0', port: 5443 }),
    webhookCertFile: z.string().min(1).optional(),
    webhookKeyFile: z.string().min(1).optional(),
    webhookCaFile: z.string().min(1).optional(),
    webhookRegister: z.stringbool().default(true),
    sidecarImage: z.string().min(1).default('zonemesh/zonemesh:0.1.0'),
    sidecarCpAddress: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    zoneOfflineTimeout: DurationSchema.default(30_000).pipe(z.number().min(1_000, 'must be at least 1s')),
    apiLocalhostIsAdmin: z.stringbool().default(true),
    tlsCertFile: z.string().min(1).optional(),
    tlsKeyFile: z.string().min(1).optional(),
    tlsDir: z.string().min(1).optional(),
    tlsHostnames: z
      .string()
      .optional()
      .transform((text) =>
        (text ?? '')
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name !== ''),
      ),
    adminTokenFile: z.string().min(1).optional(),
    dpAuth: z
      .string()
      .default('token')
      .pipe(z.enum(['token', 'none'], { error: 'must be token or none' })),
    tokenMaxValidity: DurationSchema.default(8_760 * 3_600_000).pipe(
      z.number().min(60_000, 'must be at least 1m'),
    ),
    signingKeyRotation: DurationSchema.default(720 * 3_600_000).pipe(
      z.number().refine((ms) => ms === 0 || ms >= 60_000, 'must be 0s or at least 1m'),
    ),
    skipDefaultMesh: z.stringbool().default(false),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  })
  .superRefine(
    (config, ctx) => {
      if (config.mode === 'zone' && config.natsUrl !== undefined && config.zone === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['zone'],
          message: 'is required for a federated zone (one with --nats-url)',
        });
      }
      if (config.mode === 'global' && config.zone !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['zone'], message: 'is only for --mode zone' });
      }
      if ((config.webhookCertFile === undefined) !== (config.webhookKeyFile === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [config.webhookCertFile === undefined ? 'webhookCertFile' : 'webhookKeyFile'],
          message: 'is required with --webhook-cert-file and --webhook-key-file together',
        });
      }
      if ((config.tlsCertFile === undefined) !== (config.tlsKeyFile === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [config.tlsCertFile === undefined ? 'tlsCertFile' : 'tlsKeyFile'],
          message: 'is required with --tls-cert-file and --tls-key-file together',
        });
      }
      if (config.store === 'redis' && config.redisUrl === undefined) {
        ctx.addIssue({ code: 'custom', path: ['redisUrl'], message: 'is required with --store redis' });
      }
    },
    // Run even when single fields failed, so every problem is reported at once.
    { when: () => true },
  );

/** The checked configuration of a control plane. Durations are in milliseconds. */
export type ControlPlaneConfig = z.output<typeof ControlPlaneConfigSchema>;

/** Whether this zone control plane is connected to a global one (it has `--nats-url`). */
export function isFederatedZone(config: ControlPlaneConfig): boolean {
  return config.mode === 'zone' && config.natsUrl !== undefined;
}
