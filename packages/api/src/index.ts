/** @zonemesh/api — the resource language shared by every zonemesh package. */
export { MeshError, httpStatusByCode, isMeshError, toMeshError } from './errors.js';
export { Labels, Tags, formatKey, isMeshScoped, isResourceType, keyOf, resourceTypes } from './resource.js';
export { descriptorFor, findDescriptor, kindDescriptors } from './kind-registry.js';
export {
  decodeResource,
  maxDocumentBytes,
  unsupportedKindMessage,
  validateResource,
} from './resource-decoder.js';
export { decodeDocuments } from './document-reader.js';
export { toUniversal } from './universal-form.js';
export { kubernetesApiVersion, toKubernetes } from './kubernetes-form.js';
export { isGoDuration, parseGoDuration, parseKumaDuration } from './duration.js';
export { SelectorEntrySchema, SelectorSchema } from './selector.js';
export { TargetRefSchema, targetRefKinds } from './target-ref.js';
export { MeshSpecSchema, MtlsBackendSchema, isMtlsEnabled, mtlsBackendTypes } from './kinds/mesh.js';
export { DataplaneSpecSchema, InboundSchema, OutboundSchema, supportedProtocols } from './kinds/dataplane.js';
export { AvailableServiceSchema, ZoneIngressSpecSchema } from './kinds/zone-ingress.js';
export { ZoneSpecSchema, isZoneEnabled } from './kinds/zone.js';
export { TrafficPermissionSpecSchema } from './kinds/traffic-permission.js';
export { HealthCheckConfSchema, HealthCheckSpecSchema } from './kinds/health-check.js';
export { TrafficRouteConfSchema, TrafficRouteSpecSchema } from './kinds/traffic-route.js';
export { MeshTrafficPermissionSpecSchema, trafficActions } from './kinds/mesh-traffic-permission.js';
export { MeshHealthCheckConfSchema, MeshHealthCheckSpecSchema } from './kinds/mesh-health-check.js';
export type { FieldError, MeshErrorCode, MeshErrorOptions } from './errors.js';
export type { NewResource, Resource, ResourceKey, ResourceMeta, ResourceType } from './resource.js';
export type { KindDescriptor, KindOrigin, KindScope, SyncDirection, UniversalLayout } from './descriptor.js';
export type { DecodedDocument } from './document-reader.js';
export type { Selector, SelectorEntry } from './selector.js';
export type { TargetRef, TargetRefKind } from './target-ref.js';
export type { MeshSpec, MtlsBackend, MtlsBackendType } from './kinds/mesh.js';
export type { DataplaneNetworking, DataplaneSpec, Inbound, Outbound, Protocol } from './kinds/dataplane.js';
export type { AvailableService, ZoneIngressSpec } from './kinds/zone-ingress.js';
export type { ZoneSpec } from './kinds/zone.js';
export type { TrafficPermissionSpec } from './kinds/traffic-permission.js';
export type { HealthCheckConf, HealthCheckSpec } from './kinds/health-check.js';
export type { TrafficRouteConf, TrafficRouteSpec, TrafficRouteSplit } from './kinds/traffic-route.js';
export type {
  MeshTrafficPermissionFrom,
  MeshTrafficPermissionSpec,
  TrafficAction,
} from './kinds/mesh-traffic-permission.js';
export type {
  MeshHealthCheckConf,
  MeshHealthCheckSpec,
  MeshHealthCheckTo,
} from './kinds/mesh-health-check.js';
export {
  CertificateRequestSchema,
  CertificateResponseSchema,
  DpErrorResponseSchema,
  HealthReportSchema,
  InboundPermissionsSchema,
  IngressConfigSchema,
  IngressRouteSchema,
  IngressStreamMessageSchema,
  PermissionRuleSchema,
  PingMessageSchema,
  ProxyConfigSchema,
  ProxyEndpointSchema,
  ProxyHealthCheckSchema,
  ProxyInboundSchema,
  ProxyOutboundSchema,
  ProxyRouteSchema,
  ProxyStreamMessageSchema,
  RegisterRequestSchema,
  RegisterResponseSchema,
  dpProtocolVersion,
  dpProxyKinds,
} from './dp-protocol.js';
export type {
  CertificateRequest,
  CertificateResponse,
  DpErrorResponse,
  DpProxyKind,
  HealthReport,
  InboundPermissions,
  IngressConfig,
  IngressRoute,
  IngressStreamMessage,
  PermissionRule,
  ProxyConfig,
  ProxyEndpoint,
  ProxyHealthCheck,
  ProxyInbound,
  ProxyOutbound,
  ProxyRoute,
  ProxyStreamMessage,
  RegisterRequest,
  RegisterResponse,
} from './dp-protocol.js';
export type {
  DataplaneStatus,
  InboundStatus,
  MeshOverview,
  OutboundStatus,
  ServiceIngress,
  ServiceSummary,
  ServiceZone,
} from './views.js';
