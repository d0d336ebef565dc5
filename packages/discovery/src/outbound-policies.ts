/**
 * The outbound side of policies, in the form a sidecar runs them: the active health check of an
 * outbound (MeshHealthCheck, else HealthCheck) and its TrafficRoute split.
 *
 * Precedence: when a MeshHealthCheck applies to the (source, destination) pair it decides alone,
 * also when it configures no check for the destination's protocol (Kuma: new policies replace
 * the old ones they overlap); otherwise the winning HealthCheck applies (zonemesh applies it
 * without a TrafficRoute too, see docs/policy-matching.md). A gRPC check becomes a TCP check:
 * zonemesh proxies have no gRPC prober.
 */
import { parseGoDuration, type ProxyHealthCheck, type ProxyRoute } from '@zonemesh/api';
import type { PolicyEngine, SourceProxy } from '@zonemesh/policy';

const serviceTag = 'kuma.io/service';
const protocolTag = 'kuma.io/protocol';

/** Kuma's MeshHealthCheck defaults, also used for missing HealthCheck values. */
const defaults = { interval: 60_000, timeout: 15_000, unhealthyThreshold: 5, healthyThreshold: 1 };

/**
 * The health check of an outbound from `source` to `service`, whose instances speak `protocol`
 * (`kuma.io/protocol`, undefined = tcp); undefined when no policy configures one.
 */
export function outboundHealthCheck(
  engine: PolicyEngine,
  source: SourceProxy,
  service: string,
  protocol: string | undefined,
): ProxyHealthCheck | undefined {
  const destination =
    protocol === undefined ? { [serviceTag]: service } : { [serviceTag]: service, [protocolTag]: protocol };
  const mesh = engine.resolveMeshHealthCheck(source, destination);
  if (mesh.policy !== null) {
    if (mesh.check === null || mesh.conf === null) return undefined;
    const type = mesh.check === 'http' ? 'http' : 'tcp';
    return toProxyHealthCheck(mesh.conf, type, { type: mesh.policy.type, name: mesh.policy.name });
  }
  const legacy = engine.selectHealthCheck(source, service);
  if (legacy.policy === null || !isRecord(legacy.conf)) return undefined;
  const type = isRecord(legacy.conf['http']) ? 'http' : 'tcp';
  return toProxyHealthCheck(legacy.conf, type, { type: legacy.policy.type, name: legacy.policy.name });
}

/**
 * The TrafficRoute of an outbound: `conf.split` as is (each destination's tags select endpoints),
 * or `conf.destination` as a single share. Undefined when none applies or it has neither (an
 * L7 `http` section alone is not run by zonemesh's L4 proxies).
 */
export function outboundRoute(
  engine: PolicyEngine,
  source: SourceProxy,
  service: string,
): ProxyRoute | undefined {
  const decision = engine.selectTrafficRoute(source, service);
  if (decision.policy === null || !isRecord(decision.conf)) return undefined;
  const conf = decision.conf;
  const policy = { type: decision.policy.type, name: decision.policy.name };
  const split = Array.isArray(conf['split']) ? conf['split'] : undefined;
  if (split !== undefined) {
    return {
      policy,
      split: split.filter(isRecord).map((share) => ({
        weight: typeof share['weight'] === 'number' && share['weight'] >= 0 ? Math.floor(share['weight']) : 0,
        tags: stringMap(share['destination']),
      })),
    };
  }
  if (isRecord(conf['destination']))
    return { policy, split: [{ weight: 1, tags: stringMap(conf['destination']) }] };
  return undefined;
}

/** The services a route sends to besides the outbound's own (`*` means the outbound's service). */
export function routedServices(route: ProxyRoute | undefined, service: string): string[] {
  if (route === undefined) return [];
  const services = new Set<string>();
  for (const share of route.split) {
    const target = share.tags[serviceTag];
    if (target !== undefined && target !== '*' && target !== service) services.add(target);
  }
  return [...services].sort();
}

function toProxyHealthCheck(
  conf: Readonly<Record<string, unknown>>,
  type: 'tcp' | 'http',
  policy: { type: string; name: string },
): ProxyHealthCheck {
  const http = isRecord(conf['http']) ? conf['http'] : {};
  const statuses = Array.isArray(http['expectedStatuses'])
    ? http['expectedStatuses'].filter(
        (status): status is number => Number.isInteger(status) && status >= 100 && status <= 599,
      )
    : [];
  return {
    interval: millis(conf['interval'], defaults.interval),
    timeout: millis(conf['timeout'], defaults.timeout),
    unhealthyThreshold: count(conf['unhealthyThreshold'], defaults.unhealthyThreshold),
    healthyThreshold: count(conf['healthyThreshold'], defaults.healthyThreshold),
    type,
    ...(type === 'http'
      ? { path: typeof http['path'] === 'string' && http['path'].startsWith('/') ? http['path'] : '/' }
      : {}),
    ...(type === 'http' && statuses.length > 0 ? { expectedStatuses: statuses } : {}),
    policy,
  };
}

function millis(value: unknown, fallback: number): number {
  const nanos = typeof value === 'string' ? parseGoDuration(value) : undefined;
  return nanos === undefined || nanos <= 0 ? fallback : Math.max(1, Math.round(nanos / 1e6));
}

function count(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [key, entry] of Object.entries(value)) if (typeof entry === 'string') out[key] = entry;
  return out;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
