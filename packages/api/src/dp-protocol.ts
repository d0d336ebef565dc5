/**
 * The dataplane protocol between a zone control plane and its proxies (`zonemesh-dp`,
 * `zonemesh-ingress`): HTTP/1.1 JSON on the zone CP's `--dp-server-address`. Both sides validate
 * every body with these schemas.
 *
 * - `POST /v1/register` {@link RegisterRequestSchema} -> {@link RegisterResponseSchema}
 * - `GET /v1/stream?kind=Dataplane&mesh=M&name=N` (or `kind=ZoneIngress&name=N`): NDJSON lines,
 *   each a {@link ProxyStreamMessageSchema} or {@link IngressStreamMessageSchema}
 * - `POST /v1/health` {@link HealthReportSchema} -> 204
 * - `POST /v1/certificates` {@link CertificateRequestSchema} -> {@link CertificateResponseSchema}
 *
 * A refused request answers `{title, details, causes}` ({@link DpErrorResponseSchema}).
 */
import * as z from 'zod';

/** The protocol version both sides send as `v`; a different value is refused. */
export const dpProtocolVersion = '1';

const version = () => z.literal(dpProtocolVersion, { error: `must be "${dpProtocolVersion}"` });
const port = () => z.number().int().min(0).max(65_535);
const nonEmpty = () => z.string().min(1, { error: 'cannot be empty' });
const tags = () => z.record(z.string(), z.string());
const policyRef = () => z.object({ type: z.string(), name: z.string() });

/** Kinds a proxy registers as. */
export const dpProxyKinds = ['Dataplane', 'ZoneIngress'] as const;

/** `Dataplane` (a sidecar) or `ZoneIngress`. */
export type DpProxyKind = (typeof dpProxyKinds)[number];

const proxyKind = () => z.enum(dpProxyKinds, { error: 'must be one of: Dataplane, ZoneIngress' });

/**
 * A certificate issued to a proxy: its workload certificate, the chain up to the mesh root
 * (zone intermediate, then root) and the roots it must trust. PEM text; `notAfter` is RFC 3339.
 */
export const CertificateResponseSchema = z.object({
  certPem: nonEmpty(),
  caChainPem: nonEmpty(),
  rootsPem: nonEmpty(),
  notAfter: z.iso.datetime({ offset: true }),
});

/**
 * `POST /v1/register`. `resource` is the proxy's Dataplane or ZoneIngress in Universal form, as
 * in its file; the CP validates it as that kind. `csr` (PEM) asks for a workload certificate; the
 * CP issues one only when the mesh has mTLS on, with SANs computed from the resource.
 */
export const RegisterRequestSchema = z.object({
  v: version(),
  kind: proxyKind(),
  resource: z.record(z.string(), z.unknown(), { error: 'must be an object' }),
  csr: nonEmpty().optional(),
});

/** The answer to a registration: the stored name, the mesh (Dataplane), the zone, and a certificate when issued. */
export const RegisterResponseSchema = z.object({
  v: version(),
  name: nonEmpty(),
  mesh: nonEmpty().optional(),
  zone: nonEmpty(),
  certificate: CertificateResponseSchema.optional(),
});

/**
 * One permission rule of an inbound: the client must carry every tag of `match`; a `'*'` value
 * imposes no condition, `{}` matches everyone. `policy` (extension) names the policy the rule
 * comes from, for logs; with several MeshTrafficPermissions it can differ from rule to rule.
 */
export const PermissionRuleSchema = z.object({
  match: tags(),
  action: z.enum(['Allow', 'Deny', 'AllowWithShadowDeny']),
  policy: policyRef().optional(),
});

/**
 * Permission rules of an inbound. The LAST rule whose `match` matches the client wins; no match
 * denies. `policy` names the deciding policy (for logs), null when none selects the inbound.
 */
export const InboundPermissionsSchema = z.object({
  policy: policyRef().nullable(),
  rules: z.array(PermissionRuleSchema),
});

/** One inbound of a sidecar: where it listens, the app behind it, its tags and who may call it. */
export const ProxyInboundSchema = z.object({
  port: port(),
  address: z.string(),
  servicePort: port(),
  serviceAddress: z.string(),
  tags: tags(),
  /** null = allow everyone (mTLS off). */
  permissions: InboundPermissionsSchema.nullable(),
});

/** An upstream of an outbound: a local sidecar inbound or a remote zone's ingress. */
export const ProxyEndpointSchema = z.object({
  address: z.string(),
  port: port(),
  zone: z.string(),
  /** Same zone as the proxy. */
  local: z.boolean(),
  /** A local inbound weighs 1; a remote ingress the number of healthy instances it advertises. */
  weight: z.number().int().min(1),
  /** The endpoint's tags, `kuma.io/zone` included. */
  tags: tags(),
});

/** Active health checking of an outbound's endpoints; durations in milliseconds. */
export const ProxyHealthCheckSchema = z.object({
  interval: z.number().int().positive(),
  timeout: z.number().int().positive(),
  unhealthyThreshold: z.number().int().positive(),
  healthyThreshold: z.number().int().positive(),
  type: z.enum(['tcp', 'http']),
  path: z.string().optional(),
  expectedStatuses: z.array(z.number().int().min(100).max(599)).optional(),
  policy: policyRef(),
});

/** A TrafficRoute split: each share goes to the endpoints whose tags carry every tag of `tags`. */
export const ProxyRouteSchema = z.object({
  policy: policyRef(),
  split: z.array(z.object({ weight: z.number().int().min(0), tags: tags() })),
});

/** One outbound: a local listener for `service`, the endpoints to balance over and how. */
export const ProxyOutboundSchema = z.object({
  port: port(),
  address: z.string(),
  service: z.string(),
  tags: tags(),
  endpoints: z.array(ProxyEndpointSchema),
  /** `<service>{mesh=<mesh>}` (Kuma's format). */
  sni: z.string(),
  healthCheck: ProxyHealthCheckSchema.optional(),
  route: ProxyRouteSchema.optional(),
  /** Prefer local endpoints while any is healthy (the Mesh's `routing.localityAwareLoadBalancing`). */
  localityAware: z.boolean(),
});

/**
 * A sidecar's whole configuration, pushed on its stream. `version` is a content hash: equal
 * versions mean equal configs. With `mtls.enabled`, inbounds require mTLS and outbounds speak it.
 */
export const ProxyConfigSchema = z.object({
  v: version(),
  version: nonEmpty(),
  mesh: nonEmpty(),
  name: nonEmpty(),
  zone: z.string(),
  mtls: z.object({ enabled: z.boolean(), rootsPem: z.string().optional() }),
  inbounds: z.array(ProxyInboundSchema),
  outbounds: z.array(ProxyOutboundSchema),
});

/** One SNI route of an ingress: to the healthy local inbounds of `service` in `mesh`. */
export const IngressRouteSchema = z.object({
  sni: z.string(),
  mesh: z.string(),
  service: z.string(),
  endpoints: z.array(z.object({ address: z.string(), port: port() })),
});

/** A zone ingress's configuration: its SNI routes. `version` as in {@link ProxyConfigSchema}. */
export const IngressConfigSchema = z.object({
  v: version(),
  version: nonEmpty(),
  name: nonEmpty(),
  zone: z.string(),
  routes: z.array(IngressRouteSchema),
});

/** A keep-alive line on the stream, every 10 s. */
export const PingMessageSchema = z.object({ type: z.literal('ping') });

/** A line of a sidecar's stream: a config or a ping. */
export const ProxyStreamMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('config'), config: ProxyConfigSchema }),
  PingMessageSchema,
]);

/** A line of an ingress's stream: a config or a ping. */
export const IngressStreamMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('config'), config: IngressConfigSchema }),
  PingMessageSchema,
]);

/** `POST /v1/health`: the sidecar's own probes of its app, per inbound port. */
export const HealthReportSchema = z.object({
  v: version(),
  mesh: nonEmpty(),
  name: nonEmpty(),
  inbounds: z.array(z.object({ port: port(), healthy: z.boolean() })),
});

/** `POST /v1/certificates`: a fresh CSR (PEM) for rotation; SANs come from the registered resource. */
export const CertificateRequestSchema = z.object({
  v: version(),
  kind: proxyKind(),
  mesh: nonEmpty(),
  name: nonEmpty(),
  csr: nonEmpty(),
});

/** The body of a refused request (the REST API's error shape). */
export const DpErrorResponseSchema = z.object({
  title: z.string(),
  details: z.string(),
  causes: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/** See {@link RegisterRequestSchema}. */
export type RegisterRequest = z.infer<typeof RegisterRequestSchema>;
/** See {@link RegisterResponseSchema}. */
export type RegisterResponse = z.infer<typeof RegisterResponseSchema>;
/** See {@link CertificateResponseSchema}. */
export type CertificateResponse = z.infer<typeof CertificateResponseSchema>;
/** See {@link PermissionRuleSchema}. */
export type PermissionRule = z.infer<typeof PermissionRuleSchema>;
/** See {@link InboundPermissionsSchema}. */
export type InboundPermissions = z.infer<typeof InboundPermissionsSchema>;
/** See {@link ProxyInboundSchema}. */
export type ProxyInbound = z.infer<typeof ProxyInboundSchema>;
/** See {@link ProxyEndpointSchema}. */
export type ProxyEndpoint = z.infer<typeof ProxyEndpointSchema>;
/** See {@link ProxyHealthCheckSchema}. */
export type ProxyHealthCheck = z.infer<typeof ProxyHealthCheckSchema>;
/** See {@link ProxyRouteSchema}. */
export type ProxyRoute = z.infer<typeof ProxyRouteSchema>;
/** See {@link ProxyOutboundSchema}. */
export type ProxyOutbound = z.infer<typeof ProxyOutboundSchema>;
/** See {@link ProxyConfigSchema}. */
export type ProxyConfig = z.infer<typeof ProxyConfigSchema>;
/** See {@link IngressRouteSchema}. */
export type IngressRoute = z.infer<typeof IngressRouteSchema>;
/** See {@link IngressConfigSchema}. */
export type IngressConfig = z.infer<typeof IngressConfigSchema>;
/** See {@link ProxyStreamMessageSchema}. */
export type ProxyStreamMessage = z.infer<typeof ProxyStreamMessageSchema>;
/** See {@link IngressStreamMessageSchema}. */
export type IngressStreamMessage = z.infer<typeof IngressStreamMessageSchema>;
/** See {@link HealthReportSchema}. */
export type HealthReport = z.infer<typeof HealthReportSchema>;
/** See {@link CertificateRequestSchema}. */
export type CertificateRequest = z.infer<typeof CertificateRequestSchema>;
/** See {@link DpErrorResponseSchema}. */
export type DpErrorResponse = z.infer<typeof DpErrorResponseSchema>;
