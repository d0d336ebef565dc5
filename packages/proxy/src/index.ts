/**
 * @zonemesh/proxy — the data path shared by the sidecar (`zonemesh-dp`) and the zone ingress
 * (`zonemesh-ingress`): TLS ClientHello SNI peeking, byte piping with backpressure and
 * half-close, Kuma SNI names, load balancers, active and passive health checks, mesh mTLS, and
 * an SNI passthrough router. Protocol logic (ClientHello parsing, SNI names, balancing) is pure;
 * socket code sits apart.
 */
export { parseClientHello } from './client-hello.js';
export { peekSni } from './sni-peek.js';
export { pipe } from './pipe.js';
export { formatKumaSni, parseKumaSni } from './kuma-sni.js';
export { endpointKey } from './endpoint.js';
export { createLocalityAware, createRoundRobin, createWeighted } from './load-balancer.js';
export {
  ActiveHealthCheckSchema,
  PassiveHealthCheckSchema,
  fromKumaHealthCheck,
} from './health-check-config.js';
export { probe } from './health-probe.js';
export { createHealthTracker } from './health-tracker.js';
export { dialUpstream, tcpConnector } from './upstream-dial.js';
export {
  adoptForPooledReads,
  attachSink,
  createPooledReader,
  isPooled,
  pooledBufferSize,
} from './pooled-reader.js';
export { createPassthroughRouter } from './passthrough-router.js';
export { createMtlsClient, createMtlsServer } from './mtls.js';
export type { ClientHello, ClientHelloParse } from './client-hello.js';
export type { PeekOptions, PeekedHello } from './sni-peek.js';
export type { PipeOptions, PipeResult } from './pipe.js';
export type { KumaSni } from './kuma-sni.js';
export type { Endpoint } from './endpoint.js';
export type { LoadBalancer, LocalityOptions } from './load-balancer.js';
export type { ActiveHealthCheck, KumaHealthCheckConf, PassiveHealthCheck } from './health-check-config.js';
export type { ProbeResult } from './health-probe.js';
export type { HealthChange, HealthTracker, HealthTrackerOptions } from './health-tracker.js';
export type { ChunkSink, PooledReader } from './pooled-reader.js';
export type { Connector, DialOptions, DialedUpstream, TcpConnectorOptions } from './upstream-dial.js';
export type {
  ConnectionOutcome,
  PassthroughRouter,
  PassthroughRouterOptions,
  RouteRequest,
} from './passthrough-router.js';
export type {
  AuthenticatedSocket,
  MtlsClient,
  MtlsConnectOptions,
  MtlsIdentity,
  MtlsServer,
  MtlsServerOptions,
} from './mtls.js';
export { createControlPlaneLink, runSession } from './control-plane-link.js';
export { setupAdminServer } from './admin-server.js';
export { createProxyMetrics } from './proxy-metrics.js';
export type { ProxyReadiness } from './admin-server.js';
export type { ProxyMetrics, ProxyMetricsOptions } from './proxy-metrics.js';
export type {
  Backoff,
  ControlPlaneLink,
  ControlPlaneLinkOptions,
  SessionOptions,
} from './control-plane-link.js';
