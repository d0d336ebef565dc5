/**
 * The conformance suite every PolicyEngine implementation runs: each decision case of the Kuma
 * corpus (EXPECTED.md; version-dependent cases take the Kuma 2.6+ answer) as a table, read from
 * the real corpus files, plus engine behaviour (updates, bad input, explanations).
 */
import { isMeshError } from '@zonemesh/api';
import { describe, expect, it } from 'vitest';
import { corpusPresent, engineForFile, loadCorpusFile } from './corpus.test-suite.js';
import type { PolicyEngine, PolicyEngineOptions, TrafficVerdict } from './engine.js';
import type { HealthCheckType } from './health-check-type.js';
import { permissionVerdict } from './inbound-permissions.js';
import type { Tags } from './selector.js';

type CreateEngine = (options: PolicyEngineOptions) => PolicyEngine;

const service = 'kuma.io/service';
const zone = 'kuma.io/zone';
const protocol = 'kuma.io/protocol';
const appName = 'app.kubernetes.io/name';

/** `svc('web', {version: 'v1'})` = `{kuma.io/service: web, version: v1}` */
function svc(name: string, extra: Record<string, string> = {}): Tags {
  return { [service]: name, ...extra };
}

/** One TrafficPermission / MeshTrafficPermission decision of EXPECTED.md. */
interface TrafficCase {
  readonly file: string;
  readonly source: Tags | readonly Tags[];
  readonly destination: Tags;
  readonly decision: TrafficVerdict;
  /** `Type/name` of the deciding policy, or null. */
  readonly policy: string | null;
  readonly mesh?: string;
  /** Leave creation times unset (all equal) instead of file order. */
  readonly equalTimes?: boolean;
  readonly mtlsEnabled?: boolean;
  /** Skip the file's Mesh (008: the Go test's mesh has no mTLS, EXPECTED.md assumes it on). */
  readonly ignoreMesh?: boolean;
}

const tp = (name: string): string => `TrafficPermission/${name}`;
const mtp = (name: string): string => `MeshTrafficPermission/${name}`;

/** EXPECTED.md decisions for TrafficPermission and MeshTrafficPermission. */
// biome-ignore format: one decision case per line
export const trafficCases: readonly TrafficCase[] = [
  // 001 / 002: allow all.
  { file: '001-trafficpermission-allow-all-traffic.yaml', source: svc('web'), destination: svc('backend'), decision: 'ALLOW', policy: tp('allow-all-traffic') },
  { file: '001-trafficpermission-allow-all-traffic.yaml', source: svc('x', { version: 'v1' }), destination: svc('y', { env: 'prod' }), decision: 'ALLOW', policy: tp('allow-all-traffic') },
  { file: '001-trafficpermission-allow-all-traffic.yaml', source: svc('web'), destination: svc('backend'), decision: 'ALLOW', policy: null, mtlsEnabled: false },
  { file: '002-trafficpermission-allow-all-default.yaml', source: svc('web'), destination: svc('backend'), decision: 'ALLOW', policy: tp('allow-all-default') },
  // 003: the ExternalService's tags as destination (the ExternalService itself is not a supported kind).
  { file: '003-trafficpermission-external-service-httpbin.yaml', source: svc('web'), destination: svc('httpbin', { [protocol]: 'http' }), decision: 'ALLOW', policy: tp('backend-to-httpbin') },
  { file: '003-trafficpermission-external-service-httpbin.yaml', source: svc('backend'), destination: svc('httpbin', { [protocol]: 'http' }), decision: 'ALLOW', policy: tp('backend-to-httpbin') },
  { file: '003-trafficpermission-external-service-httpbin.yaml', source: svc('frontend'), destination: svc('httpbin', { [protocol]: 'http' }), decision: 'DENY', policy: tp('backend-to-httpbin') },
  // 005: created in file order, so allow-c-to-a (later) wins; with equal times allow-b-to-a (name).
  { file: '005-trafficpermission-override-b-and-c-to-a.yaml', source: svc('c'), destination: svc('a'), decision: 'ALLOW', policy: tp('allow-c-to-a') },
  { file: '005-trafficpermission-override-b-and-c-to-a.yaml', source: svc('b'), destination: svc('a'), decision: 'DENY', policy: tp('allow-c-to-a') },
  { file: '005-trafficpermission-override-b-and-c-to-a.yaml', source: svc('d'), destination: svc('a'), decision: 'DENY', policy: tp('allow-c-to-a') },
  { file: '005-trafficpermission-override-b-and-c-to-a.yaml', source: svc('b'), destination: svc('a'), decision: 'ALLOW', policy: tp('allow-b-to-a'), equalTimes: true },
  { file: '005-trafficpermission-override-b-and-c-to-a.yaml', source: svc('c'), destination: svc('a'), decision: 'DENY', policy: tp('allow-b-to-a'), equalTimes: true },
  // 006
  { file: '006-trafficpermission-combined-b-c-to-a.yaml', source: svc('b'), destination: svc('a'), decision: 'ALLOW', policy: tp('allow-b-c-to-a') },
  { file: '006-trafficpermission-combined-b-c-to-a.yaml', source: svc('c'), destination: svc('a'), decision: 'ALLOW', policy: tp('allow-b-c-to-a') },
  { file: '006-trafficpermission-combined-b-c-to-a.yaml', source: svc('d'), destination: svc('a'), decision: 'DENY', policy: tp('allow-b-c-to-a') },
  { file: '006-trafficpermission-combined-b-c-to-a.yaml', source: svc('a'), destination: svc('b'), decision: 'DENY', policy: null },
  // 007
  { file: '007-trafficpermission-kumactl-fixtures.yaml', source: svc('web1', { version: '1.0' }), destination: svc('backend1', { env: 'dev' }), decision: 'ALLOW', policy: tp('web1-to-backend1') },
  { file: '007-trafficpermission-kumactl-fixtures.yaml', source: svc('web1', { version: '2.0' }), destination: svc('backend1', { env: 'dev' }), decision: 'DENY', policy: tp('web1-to-backend1') },
  { file: '007-trafficpermission-kumactl-fixtures.yaml', source: svc('web1'), destination: svc('backend1', { env: 'dev' }), decision: 'DENY', policy: tp('web1-to-backend1') },
  { file: '007-trafficpermission-kumactl-fixtures.yaml', source: svc('web2', { version: '1.0' }), destination: svc('backend1', { env: 'dev' }), decision: 'DENY', policy: tp('web1-to-backend1') },
  { file: '007-trafficpermission-kumactl-fixtures.yaml', source: svc('web2', { version: '1.0' }), destination: svc('backend2', { env: 'dev' }), decision: 'ALLOW', policy: tp('web2-to-backend2') },
  { file: '007-trafficpermission-kumactl-fixtures.yaml', source: svc('web1', { version: '1.0' }), destination: svc('backend1', { env: 'prod' }), decision: 'DENY', policy: null },
  // 008: inbound tags of dp1 (:8080, :8081) and the metrics inbound (:1234).
  { file: '008-trafficpermission-matcher-specificity.yaml', source: svc('kong'), destination: svc('web', { version: '0.1', region: 'eu', [protocol]: 'http' }), decision: 'ALLOW', policy: tp('more-specific-kong-to-web'), ignoreMesh: true },
  { file: '008-trafficpermission-matcher-specificity.yaml', source: svc('web'), destination: svc('web', { version: '0.1', region: 'eu', [protocol]: 'http' }), decision: 'DENY', policy: tp('more-specific-kong-to-web'), ignoreMesh: true },
  { file: '008-trafficpermission-matcher-specificity.yaml', source: svc('kong'), destination: svc('web-api', { version: '0.1.2', region: 'us', [protocol]: 'http' }), decision: 'DENY', policy: null, ignoreMesh: true },
  { file: '008-trafficpermission-matcher-specificity.yaml', source: svc('prometheus'), destination: svc('dataplane-metrics'), decision: 'ALLOW', policy: tp('metrics'), ignoreMesh: true },
  // 027
  { file: '027-mtp-docs-allow-orders.yaml', source: svc('orders'), destination: svc('payments', { app: 'payments' }), decision: 'ALLOW', policy: mtp('allow-orders') },
  { file: '027-mtp-docs-allow-orders.yaml', source: svc('web'), destination: svc('payments', { app: 'payments' }), decision: 'DENY', policy: mtp('allow-orders') },
  { file: '027-mtp-docs-allow-orders.yaml', source: svc('orders'), destination: svc('billing'), decision: 'DENY', policy: null },
  // 028
  { file: '028-mtp-docs-deny-all.yaml', source: svc('web'), destination: svc('backend'), decision: 'DENY', policy: mtp('deny-all') },
  // 029: any destination.
  { file: '029-mtp-docs-example-with-tags.yaml', source: { [zone]: 'us-east', env: 'prod' }, destination: svc('backend'), decision: 'ALLOW', policy: mtp('example-with-tags') },
  { file: '029-mtp-docs-example-with-tags.yaml', source: { [zone]: 'us-east' }, destination: svc('backend'), decision: 'ALLOW', policy: mtp('example-with-tags') },
  { file: '029-mtp-docs-example-with-tags.yaml', source: { [zone]: 'us-east', env: 'dev' }, destination: svc('backend'), decision: 'DENY', policy: mtp('example-with-tags') },
  { file: '029-mtp-docs-example-with-tags.yaml', source: { [zone]: 'us-west', env: 'dev' }, destination: svc('backend'), decision: 'DENY', policy: mtp('example-with-tags') },
  { file: '029-mtp-docs-example-with-tags.yaml', source: { [zone]: 'us-west', env: 'prod' }, destination: svc('backend'), decision: 'DENY', policy: mtp('example-with-tags') },
  // 030: any destination.
  { file: '030-mtp-validator-all-kinds-valid.yaml', source: svc('backend', { version: 'v1' }), destination: svc('db'), decision: 'DENY', policy: mtp('mtp-all-kinds') },
  { file: '030-mtp-validator-all-kinds-valid.yaml', source: svc('backend', { version: 'v2' }), destination: svc('db'), decision: 'ALLOW', policy: mtp('mtp-all-kinds') },
  { file: '030-mtp-validator-all-kinds-valid.yaml', source: svc('web', { [zone]: 'us-east', env: 'dev' }), destination: svc('db'), decision: 'DENY', policy: mtp('mtp-all-kinds') },
  { file: '030-mtp-validator-all-kinds-valid.yaml', source: svc('web', { [zone]: 'us-east', env: 'prod' }), destination: svc('db'), decision: 'ALLOW', policy: mtp('mtp-all-kinds') },
  { file: '030-mtp-validator-all-kinds-valid.yaml', source: svc('web'), destination: svc('db'), decision: 'ALLOW', policy: mtp('mtp-all-kinds') },
  // 034: order mtp-2 (Mesh), then mtp-1 (MeshServiceSubset).
  { file: '034-mtp-fromrules-01.yaml', mesh: 'mesh-1', source: svc('backend'), destination: svc('web', { version: 'v1' }), decision: 'ALLOW', policy: mtp('mtp-1') },
  { file: '034-mtp-fromrules-01.yaml', mesh: 'mesh-1', source: svc('orders'), destination: svc('web', { version: 'v1' }), decision: 'SHADOW', policy: mtp('mtp-1') },
  { file: '034-mtp-fromrules-01.yaml', mesh: 'mesh-1', source: svc('web'), destination: svc('web', { version: 'v1' }), decision: 'DENY', policy: mtp('mtp-2') },
  { file: '034-mtp-fromrules-01.yaml', mesh: 'mesh-1', source: svc('foo'), destination: svc('web', { version: 'v1' }), decision: 'DENY', policy: mtp('mtp-2') },
  { file: '034-mtp-fromrules-01.yaml', mesh: 'mesh-1', source: svc('backend'), destination: svc('web', { version: 'v3' }), decision: 'DENY', policy: mtp('mtp-2') },
  { file: '034-mtp-fromrules-01.yaml', mesh: 'mesh-1', source: svc('orders'), destination: svc('web', { version: 'v3' }), decision: 'DENY', policy: mtp('mtp-2') },
  // 035: on :8080 no item matching means implicit deny; the strongest selecting policy is mtp-1.
  { file: '035-mtp-fromrules-02.yaml', mesh: 'mesh-1', source: svc('backend', { [zone]: 'us-east', version: 'v2' }), destination: svc('web', { version: 'v1' }), decision: 'ALLOW', policy: mtp('mtp-1') },
  { file: '035-mtp-fromrules-02.yaml', mesh: 'mesh-1', source: svc('backend', { [zone]: 'us-east', version: 'v1' }), destination: svc('web', { version: 'v1' }), decision: 'DENY', policy: mtp('mtp-2') },
  { file: '035-mtp-fromrules-02.yaml', mesh: 'mesh-1', source: svc('web', { [zone]: 'us-east', version: 'v2' }), destination: svc('web', { version: 'v1' }), decision: 'DENY', policy: mtp('mtp-2') },
  { file: '035-mtp-fromrules-02.yaml', mesh: 'mesh-1', source: svc('backend', { [zone]: 'us-west', version: 'v2' }), destination: svc('web', { version: 'v1' }), decision: 'DENY', policy: mtp('mtp-1') },
  { file: '035-mtp-fromrules-02.yaml', mesh: 'mesh-1', source: svc('backend', { [zone]: 'us-east', version: 'v2' }), destination: svc('web', { version: 'v3' }), decision: 'DENY', policy: mtp('mtp-2') },
  { file: '035-mtp-fromrules-02.yaml', mesh: 'mesh-1', source: svc('anything', { [zone]: 'us-west' }), destination: svc('web', { version: 'v3' }), decision: 'DENY', policy: mtp('mtp-2') },
  // 036: rule-a (first name) merges last (2.6+).
  { file: '036-mtp-lexicographic-order.yaml', source: { [appName]: 'service-payment' }, destination: svc('foo', { 'k8s.kuma.io/service-name': 'demo-app' }), decision: 'DENY', policy: mtp('rule-a') },
  { file: '036-mtp-lexicographic-order.yaml', source: { [appName]: 'ui' }, destination: svc('foo', { 'k8s.kuma.io/service-name': 'demo-app' }), decision: 'ALLOW', policy: mtp('rule-b') },
  { file: '036-mtp-lexicographic-order.yaml', source: { [appName]: 'service-order' }, destination: svc('foo', { 'k8s.kuma.io/service-name': 'demo-app' }), decision: 'ALLOW', policy: mtp('rule-b') },
  { file: '036-mtp-lexicographic-order.yaml', source: { [appName]: 'other' }, destination: svc('foo', { 'k8s.kuma.io/service-name': 'demo-app' }), decision: 'DENY', policy: mtp('rule-a') },
  // 037: 2.6+ answer: default-demo-app (Mesh Deny) merges last, so every client is denied.
  { file: '037-mtp-overrides.yaml', source: { [appName]: 'ui' }, destination: svc('demo-app_ns_svc_80', { 'k8s.kuma.io/service-name': 'demo-app' }), decision: 'DENY', policy: mtp('default-demo-app') },
  { file: '037-mtp-overrides.yaml', source: { [appName]: 'service-order' }, destination: svc('demo-app_ns_svc_80', { 'k8s.kuma.io/service-name': 'demo-app' }), decision: 'DENY', policy: mtp('default-demo-app') },
  { file: '037-mtp-overrides.yaml', source: { [appName]: 'other' }, destination: svc('demo-app_ns_svc_80', { 'k8s.kuma.io/service-name': 'demo-app' }), decision: 'DENY', policy: mtp('default-demo-app') },
  // 038
  { file: '038-mtp-single-from-overriding.yaml', source: { [appName]: 'ui' }, destination: svc('demo-app', { 'k8s.kuma.io/service-name': 'demo-app' }), decision: 'ALLOW', policy: mtp('default-demo-app') },
  { file: '038-mtp-single-from-overriding.yaml', source: { [appName]: 'service-order' }, destination: svc('demo-app', { 'k8s.kuma.io/service-name': 'demo-app' }), decision: 'ALLOW', policy: mtp('default-demo-app') },
  { file: '038-mtp-single-from-overriding.yaml', source: { [appName]: 'service-payment' }, destination: svc('demo-app', { 'k8s.kuma.io/service-name': 'demo-app' }), decision: 'ALLOW', policy: mtp('default-demo-app') },
  { file: '038-mtp-single-from-overriding.yaml', source: { [appName]: 'other' }, destination: svc('demo-app', { 'k8s.kuma.io/service-name': 'demo-app' }), decision: 'DENY', policy: mtp('default-demo-app') },
  // 039: 2.6+ answer: mtp-1 (Mesh Allow) merges last, so every client is allowed.
  { file: '039-mtp-multiple-mtp.yaml', mesh: 'mesh-1', source: { zone: 'us-east', env: 'dev' }, destination: svc('backend'), decision: 'ALLOW', policy: mtp('mtp-1') },
  { file: '039-mtp-multiple-mtp.yaml', mesh: 'mesh-1', source: { zone: 'us-east', env: 'prod' }, destination: svc('backend'), decision: 'ALLOW', policy: mtp('mtp-1') },
  { file: '039-mtp-multiple-mtp.yaml', mesh: 'mesh-1', source: { zone: 'us-east', env: 'staging' }, destination: svc('backend'), decision: 'ALLOW', policy: mtp('mtp-1') },
  { file: '039-mtp-multiple-mtp.yaml', mesh: 'mesh-1', source: { zone: 'us-east' }, destination: svc('backend'), decision: 'ALLOW', policy: mtp('mtp-1') },
  { file: '039-mtp-multiple-mtp.yaml', mesh: 'mesh-1', source: { zone: 'us-west', env: 'staging' }, destination: svc('backend'), decision: 'ALLOW', policy: mtp('mtp-1') },
  // 040
  { file: '040-mtp-shadow-deny.yaml', source: svc('c'), destination: svc('backend'), decision: 'ALLOW', policy: mtp('mtp') },
  { file: '040-mtp-shadow-deny.yaml', source: svc('a'), destination: svc('backend'), decision: 'DENY', policy: mtp('mtp') },
  { file: '040-mtp-shadow-deny.yaml', source: svc('b'), destination: svc('backend'), decision: 'DENY', policy: mtp('mtp') },
  { file: '040-mtp-shadow-deny.yaml', source: svc('d'), destination: svc('backend'), decision: 'SHADOW', policy: mtp('mtp') },
  // 041: merge order global-2, global, backend.
  { file: '041-mtp-madr007-example.yaml', source: svc('web', { [zone]: 'us-east', env: 'prod' }), destination: svc('backend'), decision: 'SHADOW', policy: mtp('backend') },
  { file: '041-mtp-madr007-example.yaml', source: svc('x', { [zone]: 'us-east', env: 'dev' }), destination: svc('backend'), decision: 'ALLOW', policy: mtp('backend') },
  { file: '041-mtp-madr007-example.yaml', source: svc('x', { [zone]: 'us-east', env: 'prod' }), destination: svc('backend'), decision: 'DENY', policy: mtp('global') },
  { file: '041-mtp-madr007-example.yaml', source: svc('x', { [zone]: 'us-west', env: 'dev' }), destination: svc('backend'), decision: 'ALLOW', policy: mtp('backend') },
  { file: '041-mtp-madr007-example.yaml', source: svc('x', { [zone]: 'us-west', env: 'prod' }), destination: svc('backend'), decision: 'DENY', policy: mtp('global') },
  { file: '041-mtp-madr007-example.yaml', source: svc('web', { [zone]: 'us-east', env: 'dev' }), destination: svc('frontend'), decision: 'DENY', policy: mtp('global') },
  // 042
  { file: '042-mtp-graph-all-allowed-except-one.yaml', source: svc('a'), destination: svc('b'), decision: 'DENY', policy: mtp('mtp-2') },
  { file: '042-mtp-graph-all-allowed-except-one.yaml', source: svc('b'), destination: svc('b'), decision: 'ALLOW', policy: mtp('mtp-1') },
  { file: '042-mtp-graph-all-allowed-except-one.yaml', source: svc('c'), destination: svc('b'), decision: 'ALLOW', policy: mtp('mtp-1') },
  { file: '042-mtp-graph-all-allowed-except-one.yaml', source: svc('d'), destination: svc('b'), decision: 'ALLOW', policy: mtp('mtp-1') },
  { file: '042-mtp-graph-all-allowed-except-one.yaml', source: svc('a'), destination: svc('c'), decision: 'ALLOW', policy: mtp('mtp-1') },
  { file: '042-mtp-graph-all-allowed-except-one.yaml', source: svc('b'), destination: svc('a'), decision: 'ALLOW', policy: mtp('mtp-1') },
  { file: '042-mtp-graph-all-allowed-except-one.yaml', source: svc('d'), destination: svc('d'), decision: 'ALLOW', policy: mtp('mtp-1') },
  // 043
  { file: '043-mtp-graph-restrictive-service.yaml', source: svc('a'), destination: svc('b'), decision: 'ALLOW', policy: mtp('mtp-2') },
  { file: '043-mtp-graph-restrictive-service.yaml', source: svc('b'), destination: svc('b'), decision: 'DENY', policy: mtp('mtp-2') },
  { file: '043-mtp-graph-restrictive-service.yaml', source: svc('c'), destination: svc('b'), decision: 'DENY', policy: mtp('mtp-2') },
  { file: '043-mtp-graph-restrictive-service.yaml', source: svc('d'), destination: svc('b'), decision: 'DENY', policy: mtp('mtp-2') },
  { file: '043-mtp-graph-restrictive-service.yaml', source: svc('b'), destination: svc('a'), decision: 'ALLOW', policy: mtp('mtp-1') },
  { file: '043-mtp-graph-restrictive-service.yaml', source: svc('c'), destination: svc('c'), decision: 'ALLOW', policy: mtp('mtp-1') },
  { file: '043-mtp-graph-restrictive-service.yaml', source: svc('a'), destination: svc('d'), decision: 'ALLOW', policy: mtp('mtp-1') },
  // 051: mTLS on and nothing allows.
  { file: '051-mesh-mtls-builtin.yaml', source: svc('web'), destination: svc('backend'), decision: 'DENY', policy: null, mtlsEnabled: false },
];

/** One HealthCheck / TrafficRoute selection of EXPECTED.md. */
interface OutboundCase {
  readonly file: string;
  readonly kind: 'HealthCheck' | 'TrafficRoute';
  readonly mesh?: string;
  /** The source proxy's inbounds. */
  readonly source: readonly Tags[];
  readonly service: string;
  readonly policy: string | null;
  readonly conf?: unknown;
}

const dp1 = [svc('backend', { region: 'eu' })];

/** EXPECTED.md selections for HealthCheck and TrafficRoute. */
// biome-ignore format: one decision case per line
export const outboundCases: readonly OutboundCase[] = [
  { file: '012-healthcheck-e2e-everything-to-backend.yaml', kind: 'HealthCheck', mesh: 'healthcheck-http', source: [svc('web')], service: 'test-server', policy: 'everything-to-backend' },
  { file: '012-healthcheck-e2e-everything-to-backend.yaml', kind: 'HealthCheck', mesh: 'healthcheck-http', source: [svc('demo-client')], service: 'other-service', policy: null },
  { file: '013-healthcheck-kumactl-fixtures.yaml', kind: 'HealthCheck', source: [svc('frontend')], service: 'backend', policy: 'backend-to-db' },
  { file: '014-healthcheck-select-per-destination.yaml', kind: 'HealthCheck', mesh: 'demo', source: [svc('backend', { region: 'eu' }), svc('frontend', { region: 'eu' })], service: 'redis', policy: 'healthcheck-redis' },
  { file: '014-healthcheck-select-per-destination.yaml', kind: 'HealthCheck', mesh: 'demo', source: [svc('backend', { region: 'eu' }), svc('frontend', { region: 'eu' })], service: 'elastic', policy: 'healthcheck-elastic' },
  { file: '015-healthcheck-source-two-tags-beats-one.yaml', kind: 'HealthCheck', source: dp1, service: 'redis', policy: 'more-specific' },
  { file: '016-healthcheck-destination-exact-beats-wildcard.yaml', kind: 'HealthCheck', source: dp1, service: 'redis', policy: 'more-specific' },
  { file: '017-healthcheck-equal-rank-creation-time.yaml', kind: 'HealthCheck', source: dp1, service: 'redis', policy: 'equally-specific-2' },
  { file: '020-trafficroute-route-all-default.yaml', kind: 'TrafficRoute', source: [svc('web')], service: 'backend', policy: 'route-all-default', conf: { loadBalancer: { roundRobin: {} }, destination: { [service]: '*' } } },
  { file: '021-trafficroute-split-traffic.yaml', kind: 'TrafficRoute', source: [svc('backend')], service: 'redis', policy: 'split-traffic', conf: { split: [ { weight: 90, destination: svc('redis', { version: '1.0' }) }, { weight: 10, destination: svc('redis', { version: '2.0' }) } ] } },
  { file: '021-trafficroute-split-traffic.yaml', kind: 'TrafficRoute', source: [svc('web')], service: 'redis', policy: null },
];

/** One MeshHealthCheck result of EXPECTED.md. */
interface MeshHealthCheckCase {
  readonly file: string;
  readonly source: readonly Tags[];
  readonly destination: Tags;
  readonly check: HealthCheckType | null;
  readonly policy: string | null;
  readonly conf?: unknown;
}

const webToBackendHttp = {
  interval: '10s',
  timeout: '2s',
  unhealthyThreshold: 3,
  healthyThreshold: 1,
  http: { path: '/health', expectedStatuses: [200, 201] },
};

/** EXPECTED.md results for MeshHealthCheck. */
// biome-ignore format: one decision case per line
export const meshHealthCheckCases: readonly MeshHealthCheckCase[] = [
  { file: '044-mhc-docs-web-to-backend-http.yaml', source: [svc('web')], destination: svc('backend', { [protocol]: 'http' }), check: 'http', policy: 'web-to-backend-check', conf: webToBackendHttp },
  { file: '044-mhc-docs-web-to-backend-http.yaml', source: [svc('web')], destination: svc('backend'), check: null, policy: 'web-to-backend-check' },
  { file: '044-mhc-docs-web-to-backend-http.yaml', source: [svc('web')], destination: svc('redis', { [protocol]: 'http' }), check: null, policy: null },
  { file: '044-mhc-docs-web-to-backend-http.yaml', source: [svc('frontend')], destination: svc('backend', { [protocol]: 'http' }), check: null, policy: null },
  { file: '045-mhc-docs-protocol-fallback.yaml', source: [svc('web')], destination: svc('backend', { [protocol]: 'http' }), check: 'tcp', policy: 'web-to-backend-check', conf: { interval: '10s', timeout: '2s', unhealthyThreshold: 3, healthyThreshold: 1, tcp: {}, http: { disabled: true } } },
  { file: '045-mhc-docs-protocol-fallback.yaml', source: [svc('web')], destination: svc('backend', { [protocol]: 'tcp' }), check: 'tcp', policy: 'web-to-backend-check' },
  { file: '045-mhc-docs-protocol-fallback.yaml', source: [svc('web')], destination: svc('backend', { [protocol]: 'grpc' }), check: null, policy: 'web-to-backend-check' },
];

/** `[title, case]` pairs for `it.each`: the file, then source -> destination. */
function named<C extends { readonly file: string }>(
  cases: readonly C[],
  ends: (entry: C) => readonly [unknown, unknown],
): (readonly [string, C])[] {
  return cases.map((entry) => {
    const [source, destination] = ends(entry);
    return [`${entry.file}: ${JSON.stringify(source)} -> ${JSON.stringify(destination)}`, entry] as const;
  });
}

/** Runs the conformance suite against one engine implementation. */
export function describeEngineConformance(label: string, create: CreateEngine): void {
  describe.skipIf(!corpusPresent)(
    `${label}: Kuma corpus decisions (skipped when ../shared/conformance/kuma is absent)`,
    () => {
      it.each(named(trafficCases, (entry) => [entry.source, entry.destination]))('%s', (_, entry) => {
        const engine = engineForFile(create, entry.file, {
          mesh: entry.mesh ?? 'default',
          fileOrderTimes: entry.equalTimes !== true,
          ignoreMesh: entry.ignoreMesh === true,
          ...(entry.mtlsEnabled === undefined ? {} : { mtlsEnabled: entry.mtlsEnabled }),
        });
        const result = engine.decideTraffic({ source: entry.source, destination: entry.destination });
        expect({
          decision: result.decision,
          policy: result.policy && `${result.policy.type}/${result.policy.name}`,
          explained: result.reason.length > 20,
        }).toEqual({ decision: entry.decision, policy: entry.policy, explained: true });
        // The sidecar's rules for the destination decide the same.
        expect(permissionVerdict(engine.inboundPermissions(entry.destination), entry.source)).toBe(
          entry.decision,
        );
      });

      it.each(named(outboundCases, (entry) => [entry.source, entry.service]))('%s', (_, entry) => {
        const engine = engineForFile(create, entry.file, { mesh: entry.mesh ?? 'default' });
        const result =
          entry.kind === 'HealthCheck'
            ? engine.selectHealthCheck(entry.source, entry.service)
            : engine.selectTrafficRoute(entry.source, entry.service);
        expect({
          policy: result.policy && `${result.policy.type}/${result.policy.name}`,
          ...(entry.conf === undefined ? {} : { conf: result.conf }),
        }).toEqual({
          policy: entry.policy && `${entry.kind}/${entry.policy}`,
          ...(entry.conf === undefined ? {} : { conf: entry.conf }),
        });
      });

      it.each(named(meshHealthCheckCases, (entry) => [entry.source, entry.destination]))('%s', (_, entry) => {
        const engine = engineForFile(create, entry.file);
        const result = engine.resolveMeshHealthCheck(entry.source, entry.destination);
        expect({
          check: result.check,
          policy: result.policy?.name ?? null,
          ...(entry.conf === undefined ? {} : { conf: result.conf }),
        }).toEqual({
          check: entry.check,
          policy: entry.policy,
          ...(entry.conf === undefined ? {} : { conf: entry.conf }),
        });
      });

      it('001: with the TrafficPermission deleted and no MTP, web -> backend is denied', () => {
        const engine = engineForFile(create, '001-trafficpermission-allow-all-traffic.yaml');
        expect(engine.remove('TrafficPermission', 'allow-all-traffic')).toBe(true);
        expect(engine.decideTraffic({ source: svc('web'), destination: svc('backend') })).toMatchObject({
          decision: 'DENY',
          policy: null,
        });
      });

      it('005: explains that the later of two equally specific policies wins', () => {
        const engine = engineForFile(create, '005-trafficpermission-override-b-and-c-to-a.yaml');
        const result = engine.decideTraffic({ source: svc('b'), destination: svc('a') });
        expect(result.reason).toBe(
          'allow-c-to-a wins over allow-b-to-a: same rank, created later; none of its sources matches the client',
        );
      });

      it('036: the inbound rules concatenate the from items of every selecting MTP, weakest first', () => {
        const engine = engineForFile(create, '036-mtp-lexicographic-order.yaml');
        const permissions = engine.inboundPermissions(svc('foo', { 'k8s.kuma.io/service-name': 'demo-app' }));
        // rule-a's name is first alphabetically: it is the strongest, merged last.
        expect(permissions?.policy).toEqual({ type: 'MeshTrafficPermission', name: 'rule-a' });
        expect(permissions?.rules.map((rule) => [rule.policy?.name, rule.match, rule.action])).toEqual([
          ['rule-b', { [appName]: 'ui' }, 'Allow'],
          ['rule-b', { [appName]: 'service-order' }, 'Allow'],
          ['rule-b', { [appName]: 'service-payment' }, 'Allow'],
          ['rule-a', { [appName]: 'service-payment' }, 'Deny'],
        ]);
      });

      it('027 + 029: MeshService and Mesh-wide MeshSubset items become service and tag matches', () => {
        const engine = engineForFile(create, '027-mtp-docs-allow-orders.yaml');
        for (const resource of loadCorpusFile('029-mtp-docs-example-with-tags.yaml')) engine.upsert(resource);
        expect(
          engine
            .inboundPermissions(svc('payments', { app: 'payments' }))
            ?.rules.map((r) => [r.match, r.action]),
        ).toEqual([
          [{ [zone]: 'us-east' }, 'Allow'],
          [{ env: 'dev' }, 'Deny'],
          [{ [service]: 'orders' }, 'Allow'],
        ]);
      });

      it('005: the winning TrafficPermission gives one Allow rule per source', () => {
        const engine = engineForFile(create, '005-trafficpermission-override-b-and-c-to-a.yaml');
        const policy = { type: 'TrafficPermission', name: 'allow-c-to-a' };
        expect(engine.inboundPermissions(svc('a'))).toEqual({
          policy,
          rules: [{ match: svc('c'), action: 'Allow', policy }],
        });
      });

      it('014: a policy of another mesh is ignored', () => {
        const engine = engineForFile(create, '014-healthcheck-select-per-destination.yaml', { mesh: 'demo' });
        expect(engine.selectHealthCheck([svc('backend', { region: 'eu' })], 'postgres').policy).toBeNull();
      });

      it('051: a Mesh without mTLS allows everything, and removing it restores the default', () => {
        const engine = engineForFile(create, '051-mesh-mtls-builtin.yaml', { mtlsEnabled: false });
        expect(engine.mtlsEnabled).toBe(true);
        engine.upsert({ type: 'Mesh', meta: { name: 'default' }, spec: {} });
        expect(engine.decideTraffic({ source: svc('web'), destination: svc('backend') })).toEqual({
          decision: 'ALLOW',
          policy: null,
          reason: 'mTLS is off in mesh default: traffic is not checked, everything is allowed',
        });
        expect(engine.inboundPermissions(svc('backend'))).toBeNull();
        expect(engine.remove('Mesh', 'default')).toBe(true);
        expect(engine.mtlsEnabled).toBe(false);
      });
    },
  );

  describe(`${label}: behaviour`, () => {
    const allow = (name: string, from: string, to: string, creationTime?: string) => ({
      type: 'TrafficPermission' as const,
      meta: { name, mesh: 'default', ...(creationTime === undefined ? {} : { creationTime }) },
      spec: { sources: [{ match: svc(from) }], destinations: [{ match: svc(to) }] },
    });

    it('replaces a policy on upsert and forgets it on remove', () => {
      const engine = create({ mesh: 'default' });
      engine.upsert(allow('p', 'web', 'backend'));
      expect(engine.decideTraffic({ source: svc('web'), destination: svc('backend') }).decision).toBe(
        'ALLOW',
      );
      engine.upsert(allow('p', 'web', 'db'));
      expect(engine.decideTraffic({ source: svc('web'), destination: svc('backend') }).policy).toBeNull();
      expect(engine.decideTraffic({ source: svc('web'), destination: svc('db') }).decision).toBe('ALLOW');
      expect(engine.remove('TrafficPermission', 'p')).toBe(true);
      expect(engine.remove('TrafficPermission', 'p')).toBe(false);
      expect(engine.decideTraffic({ source: svc('web'), destination: svc('db') }).policy).toBeNull();
    });

    it('refuses a malformed policy with the fields named, and keeps the previous one', () => {
      const engine = create({ mesh: 'default' });
      engine.upsert(allow('p', 'web', 'backend'));
      let error: unknown;
      try {
        engine.upsert({
          type: 'TrafficPermission',
          meta: { name: 'p', creationTime: 'yesterday' },
          spec: { sources: [{ match: {} }], destinations: 'backend' },
        });
      } catch (caught) {
        error = caught;
      }
      expect(isMeshError(error, 'InvalidInput')).toBe(true);
      expect(isMeshError(error) && error.causes).toEqual([
        { field: 'creationTime', message: '"yesterday" is not an RFC 3339 timestamp' },
        { field: 'sources[0].match', message: 'must have at least one tag' },
        { field: 'destinations', message: 'must have at least one element' },
      ]);
      expect(engine.decideTraffic({ source: svc('web'), destination: svc('backend') }).decision).toBe(
        'ALLOW',
      );
    });

    it('refuses a MeshTrafficPermission without an action, naming the field', () => {
      const engine = create({ mesh: 'default' });
      expect(() =>
        engine.upsert({
          type: 'MeshTrafficPermission',
          meta: { name: 'm' },
          spec: { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: {} }] },
        }),
      ).toThrow(
        expect.objectContaining({
          causes: [{ field: 'spec.from[0].default.action', message: 'must be defined' }],
        }),
      );
    });

    it('refuses a resource of another mesh', () => {
      const engine = create({ mesh: 'default' });
      expect(() =>
        engine.upsert({ ...allow('p', 'web', 'backend'), meta: { name: 'p', mesh: 'other' } }),
      ).toThrow('TrafficPermission p belongs to mesh other, not to default');
    });

    it('ignores kinds that hold no policy', () => {
      const engine = create({ mesh: 'default' });
      expect(engine.upsert({ type: 'Zone', meta: { name: 'zone-1' }, spec: {} })).toBe(false);
    });

    it('explains rank wins', () => {
      const engine = create({ mesh: 'default' });
      engine.upsert(allow('broad', 'web', 'backend'));
      engine.upsert({
        type: 'TrafficPermission',
        meta: { name: 'narrow', mesh: 'default' },
        spec: {
          sources: [{ match: svc('web') }],
          destinations: [{ match: svc('backend', { version: '*' }) }],
        },
      });
      const destination = svc('backend', { version: 'v1' });
      expect(engine.decideTraffic({ source: svc('web'), destination }).reason).toBe(
        'narrow wins over broad: more tags (2 vs 1); its sources[0] matches the client',
      );
      engine.upsert({
        type: 'TrafficPermission',
        meta: { name: 'exact', mesh: 'default' },
        spec: {
          sources: [{ match: svc('web') }],
          destinations: [{ match: svc('backend', { version: 'v1' }) }],
        },
      });
      expect(engine.decideTraffic({ source: svc('web'), destination }).reason).toBe(
        'exact wins over narrow: more exact values (2 vs 1); its sources[0] matches the client',
      );
    });

    it('uses the union of the client inbounds for sources', () => {
      const engine = create({ mesh: 'default' });
      engine.upsert({
        type: 'TrafficPermission',
        meta: { name: 'p', mesh: 'default' },
        spec: {
          sources: [{ match: svc('web', { env: 'prod' }) }],
          destinations: [{ match: svc('backend') }],
        },
      });
      const destination = svc('backend');
      expect(
        engine.decideTraffic({ source: [svc('web'), { [service]: 'api', env: 'prod' }], destination })
          .decision,
      ).toBe('ALLOW');
      expect(engine.decideTraffic({ source: svc('web'), destination }).decision).toBe('DENY');
    });

    it('gives an inbound no policy no rules, so everyone is denied', () => {
      const engine = create({ mesh: 'default' });
      engine.upsert(allow('p', 'web', 'backend'));
      expect(engine.inboundPermissions(svc('db'))).toEqual({ policy: null, rules: [] });
      expect(permissionVerdict(engine.inboundPermissions(svc('db')), svc('web'))).toBe('DENY');
    });

    it('lets the rules of a MeshTrafficPermission replace the TrafficPermission of the inbound', () => {
      const engine = create({ mesh: 'default' });
      engine.upsert(allow('p', 'web', 'backend'));
      engine.upsert({
        type: 'MeshTrafficPermission',
        meta: { name: 'm', mesh: 'default' },
        spec: {
          targetRef: { kind: 'MeshService', name: 'backend' },
          from: [
            { targetRef: { kind: 'MeshService', name: 'api' }, default: { action: 'AllowWithShadowDeny' } },
          ],
        },
      });
      const permissions = engine.inboundPermissions(svc('backend'));
      expect(permissions?.policy).toEqual({ type: 'MeshTrafficPermission', name: 'm' });
      expect(permissionVerdict(permissions, svc('web'))).toBe('DENY');
      expect(permissionVerdict(permissions, [svc('web'), svc('api')])).toBe('SHADOW');
    });

    it('leaves out what one tag map cannot say: a second service, a * on another tag', () => {
      const engine = create({ mesh: 'default' });
      engine.upsert({
        type: 'MeshTrafficPermission',
        meta: { name: 'm', mesh: 'default' },
        spec: {
          from: [
            {
              targetRef: { kind: 'MeshServiceSubset', name: 'web', tags: { version: '*' } },
              default: { action: 'Allow' },
            },
            {
              targetRef: { kind: 'MeshServiceSubset', name: 'web', tags: { [service]: 'api' } },
              default: { action: 'Deny' },
            },
          ],
        },
      });
      // The engine covers web clients that carry a version, and clients serving web and api.
      expect(engine.inboundPermissions(svc('backend'))?.rules).toEqual([
        {
          match: svc('web', { version: '*' }),
          action: 'Allow',
          policy: { type: 'MeshTrafficPermission', name: 'm' },
        },
      ]);
      const destination = svc('backend');
      expect(engine.decideTraffic({ source: svc('web'), destination }).decision).toBe('DENY');
      expect(permissionVerdict(engine.inboundPermissions(destination), svc('web'))).toBe('ALLOW');
      expect(engine.decideTraffic({ source: [svc('web'), svc('api')], destination }).decision).toBe('DENY');
      expect(permissionVerdict(engine.inboundPermissions(destination), [svc('web'), svc('api')])).toBe(
        'ALLOW',
      );
    });

    it('applies a HealthCheck whether or not the mesh has a TrafficRoute', () => {
      const engine = create({ mesh: 'default' });
      engine.upsert({
        type: 'HealthCheck',
        meta: { name: 'hc', mesh: 'default' },
        spec: {
          sources: [{ match: svc('*') }],
          destinations: [{ match: svc('backend') }],
          conf: { interval: '5s' },
        },
      });
      expect(engine.selectHealthCheck(svc('web'), 'backend')).toEqual({
        policy: { type: 'HealthCheck', name: 'hc' },
        conf: { interval: '5s' },
        reason: 'hc is the only HealthCheck matching the source and destination backend',
      });
    });
  });
}
