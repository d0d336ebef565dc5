/**
 * The shapes the GUI reads from the REST API, and lenient readers that turn an unknown JSON value
 * into them (dropping what does not fit instead of crashing a page).
 */
import type {
  DataplaneStatus,
  InboundStatus,
  MeshOverview,
  OutboundStatus,
  ServiceIngress,
  ServiceSummary,
  ServiceZone,
} from '@zonemesh/api';
import { isRecord } from './api-client.ts';

export type {
  DataplaneStatus,
  InboundStatus,
  MeshOverview,
  OutboundStatus,
  ServiceIngress,
  ServiceSummary,
  ServiceZone,
};

/** `GET /`: which control plane this is. */
export interface ControlPlaneIndex {
  readonly version: string;
  readonly mode: 'global' | 'zone';
  readonly zone: string | null;
  readonly federated: boolean;
}

/** One zone of `GET /zones/_overview`. */
export interface ZoneOverview {
  readonly name: string;
  readonly online: boolean;
  readonly lastSeen?: string;
  readonly lag?: number;
  readonly resources: Readonly<Record<string, number>>;
  readonly problem?: string;
  readonly federated?: boolean;
  readonly appliedRevision?: number;
}

/** One attachment of `GET /meshes/{mesh}/dataplanes/{name}/policies`. */
export interface PolicyAttachment {
  readonly type: 'inbound' | 'outbound';
  readonly name: string;
  readonly service: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Kind -> names of the matching policies. */
  readonly matched: Readonly<Record<string, readonly string[]>>;
  readonly reasons: Readonly<Record<string, string>>;
}

/** `GET /meshes/{mesh}/dataplanes/{name}/policies`. */
export interface DataplanePolicies {
  readonly mtls: boolean;
  readonly zone: string;
  readonly items: readonly PolicyAttachment[];
}

/** A policy or other resource in Universal form (what the list endpoints answer). */
export interface UniversalResource {
  readonly type: string;
  readonly name: string;
  readonly mesh?: string;
  readonly creationTime?: string;
  readonly modificationTime?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The whole document, as the API answered it. */
  readonly document: Readonly<Record<string, unknown>>;
}

/** The answer of `POST /meshes/{mesh}/_inspect/traffic`. */
export interface TrafficDecision {
  readonly decision: 'ALLOW' | 'DENY' | 'SHADOW';
  readonly policy: { readonly type: string; readonly name: string } | null;
  readonly reason: string;
}

const text = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);
const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) if (typeof entry === 'string') out[key] = entry;
  return out;
}

function numberMap(value: unknown): Record<string, number> {
  if (!isRecord(value)) return {};
  const out: Record<string, number> = {};
  for (const [key, entry] of Object.entries(value)) if (typeof entry === 'number') out[key] = entry;
  return out;
}

function listOf<T>(value: unknown, read: (item: unknown) => T | undefined): T[] {
  if (!Array.isArray(value)) return [];
  const out: T[] = [];
  for (const item of value) {
    const parsed = read(item);
    if (parsed !== undefined) out.push(parsed);
  }
  return out;
}

/** Reads `GET /`. */
export function readIndex(value: unknown): ControlPlaneIndex | undefined {
  if (!isRecord(value) || (value.mode !== 'global' && value.mode !== 'zone')) return undefined;
  return {
    version: text(value.version, '?'),
    mode: value.mode,
    zone: typeof value.zone === 'string' ? value.zone : null,
    federated: value.federated === true,
  };
}

/** Reads one zone overview. */
export function readZone(value: unknown): ZoneOverview | undefined {
  if (!isRecord(value) || typeof value.name !== 'string') return undefined;
  return {
    name: value.name,
    online: value.online === true,
    ...(typeof value.lastSeen === 'string' ? { lastSeen: value.lastSeen } : {}),
    ...(typeof value.lag === 'number' ? { lag: value.lag } : {}),
    resources: numberMap(value.resources),
    ...(typeof value.problem === 'string' ? { problem: value.problem } : {}),
    ...(typeof value.federated === 'boolean' ? { federated: value.federated } : {}),
    ...(typeof value.appliedRevision === 'number' ? { appliedRevision: value.appliedRevision } : {}),
  };
}

/** Reads one mesh overview. */
export function readMesh(value: unknown): MeshOverview | undefined {
  if (!isRecord(value) || typeof value.name !== 'string') return undefined;
  const mtls = isRecord(value.mtls) ? value.mtls : {};
  const dataplanes = isRecord(value.dataplanes) ? value.dataplanes : {};
  return {
    name: value.name,
    mtls: { enabled: mtls.enabled === true, backend: typeof mtls.backend === 'string' ? mtls.backend : null },
    dataplanes: {
      total: count(dataplanes.total),
      online: count(dataplanes.online),
      offline: count(dataplanes.offline),
      unreported: count(dataplanes.unreported),
    },
    services: count(value.services),
    policies: numberMap(value.policies),
  };
}

/** Reads one service. */
export function readService(value: unknown): ServiceSummary | undefined {
  if (!isRecord(value) || typeof value.name !== 'string') return undefined;
  return {
    name: value.name,
    mesh: text(value.mesh),
    ...(typeof value.protocol === 'string' ? { protocol: value.protocol } : {}),
    zones: listOf(value.zones, (zone) =>
      isRecord(zone) && typeof zone.zone === 'string'
        ? {
            zone: zone.zone,
            instances: count(zone.instances),
            healthy: count(zone.healthy),
            source: zone.source === 'ingress' ? ('ingress' as const) : ('dataplanes' as const),
          }
        : undefined,
    ),
    instances: count(value.instances),
    healthy: count(value.healthy),
    ingresses: listOf(value.ingresses, (ingress) =>
      isRecord(ingress) && typeof ingress.name === 'string'
        ? {
            name: ingress.name,
            zone: text(ingress.zone),
            ...(typeof ingress.address === 'string' ? { address: ingress.address } : {}),
            ...(typeof ingress.port === 'number' ? { port: ingress.port } : {}),
            instances: count(ingress.instances),
          }
        : undefined,
    ),
  };
}

/** Reads one dataplane status. */
export function readDataplane(value: unknown): DataplaneStatus | undefined {
  if (!isRecord(value) || typeof value.name !== 'string') return undefined;
  return {
    name: value.name,
    mesh: text(value.mesh, 'default'),
    zone: text(value.zone, '—'),
    online: typeof value.online === 'boolean' ? value.online : null,
    address: text(value.address),
    inbounds: listOf(value.inbounds, (inbound) =>
      isRecord(inbound)
        ? {
            name: text(inbound.name),
            address: text(inbound.address),
            port: count(inbound.port),
            servicePort: count(inbound.servicePort),
            service: text(inbound.service),
            tags: stringMap(inbound.tags),
            healthy: inbound.healthy !== false,
          }
        : undefined,
    ),
    outbounds: listOf(value.outbounds, (outbound) =>
      isRecord(outbound)
        ? {
            name: text(outbound.name),
            address: text(outbound.address),
            port: count(outbound.port),
            service: text(outbound.service),
            tags: stringMap(outbound.tags),
          }
        : undefined,
    ),
    labels: stringMap(value.labels),
    creationTime: text(value.creationTime),
    modificationTime: text(value.modificationTime),
  };
}

/** Reads the policies of one dataplane. */
export function readDataplanePolicies(value: unknown): DataplanePolicies | undefined {
  if (!isRecord(value) || !Array.isArray(value.items)) return undefined;
  return {
    mtls: value.mtls === true,
    zone: text(value.zone),
    items: listOf(value.items, (item) => {
      if (!isRecord(item) || (item.type !== 'inbound' && item.type !== 'outbound')) return undefined;
      const matched: Record<string, string[]> = {};
      if (isRecord(item.matchedPolicies)) {
        for (const [kind, policies] of Object.entries(item.matchedPolicies)) {
          matched[kind] = listOf(policies, (policy) =>
            isRecord(policy) && typeof policy.name === 'string' ? policy.name : undefined,
          );
        }
      }
      return {
        type: item.type,
        name: text(item.name),
        service: text(item.service),
        tags: stringMap(item.tags),
        matched,
        reasons: stringMap(item.reasons),
      };
    }),
  };
}

/** Reads one resource in Universal form. */
export function readResource(value: unknown): UniversalResource | undefined {
  if (!isRecord(value) || typeof value.type !== 'string' || typeof value.name !== 'string') return undefined;
  return {
    type: value.type,
    name: value.name,
    ...(typeof value.mesh === 'string' ? { mesh: value.mesh } : {}),
    ...(typeof value.creationTime === 'string' ? { creationTime: value.creationTime } : {}),
    ...(typeof value.modificationTime === 'string' ? { modificationTime: value.modificationTime } : {}),
    labels: stringMap(value.labels),
    document: value,
  };
}

/** Reads a traffic decision. */
export function readDecision(value: unknown): TrafficDecision | undefined {
  if (
    !isRecord(value) ||
    (value.decision !== 'ALLOW' && value.decision !== 'DENY' && value.decision !== 'SHADOW')
  )
    return undefined;
  const policy =
    isRecord(value.policy) && typeof value.policy.type === 'string' && typeof value.policy.name === 'string'
      ? { type: value.policy.type, name: value.policy.name }
      : null;
  return { decision: value.decision, policy, reason: text(value.reason) };
}

/** Reads a list of items with `read`, dropping those that do not fit. */
export function readList<T>(values: readonly unknown[], read: (value: unknown) => T | undefined): T[] {
  return listOf(values, read);
}

/** The policy kinds the GUI lists, with their REST plural (as the API names them). */
export const policyKinds = [
  { type: 'MeshTrafficPermission', plural: 'meshtrafficpermissions' },
  { type: 'TrafficPermission', plural: 'traffic-permissions' },
  { type: 'TrafficRoute', plural: 'traffic-routes' },
  { type: 'MeshHealthCheck', plural: 'meshhealthchecks' },
  { type: 'HealthCheck', plural: 'health-checks' },
] as const;

/** The kind with this plural, or undefined. */
export function kindByPlural(plural: string): (typeof policyKinds)[number] | undefined {
  return policyKinds.find((kind) => kind.plural === plural);
}

/** The plural of a kind, or undefined. */
export function pluralOf(type: string): string | undefined {
  return policyKinds.find((kind) => kind.type === type)?.plural;
}
