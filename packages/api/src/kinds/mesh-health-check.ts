/**
 * MeshHealthCheck: active health checks that the proxies selected by the top-level `targetRef` run
 * against the destinations in `to[]`. The `default`s of matching items merge (JSON merge patch).
 */
import * as z from 'zod';
import { parseGoDuration } from '../duration.js';
import { FieldPath, type Violations } from '../field-path.js';
import { TargetRefSchema, checkTargetRef } from '../target-ref.js';
import { bool, duration, int32, list, str, structObject } from '../wire-types.js';
import { defineKind } from './kind-definition.js';

const HeaderSchema = structObject({ name: str().optional(), value: str().optional() });

/** The `default` of a `to[]` item. At least one of `http`, `tcp`, `grpc`. */
export const MeshHealthCheckConfSchema = structObject({
  interval: duration().optional(),
  timeout: duration().optional(),
  unhealthyThreshold: int32().optional(),
  healthyThreshold: int32().optional(),
  initialJitter: duration().optional(),
  intervalJitter: duration().optional(),
  intervalJitterPercent: int32().optional(),
  healthyPanicThreshold: z
    .union([z.number(), z.string().regex(/^[-+]?(\d+\.?\d*|\.\d+)$/)], { error: 'must be a number' })
    .optional(),
  failTrafficOnPanic: bool().optional(),
  noTrafficInterval: duration().optional(),
  eventLogPath: str().optional(),
  alwaysLogHealthCheckFailures: bool().optional(),
  reuseConnection: bool().optional(),
  tcp: structObject({
    disabled: bool().optional(),
    send: str().optional(),
    receive: list(str()).optional(),
  }).optional(),
  http: structObject({
    disabled: bool().optional(),
    path: str().optional(),
    requestHeadersToAdd: structObject({
      set: list(HeaderSchema).optional(),
      add: list(HeaderSchema).optional(),
    }).optional(),
    expectedStatuses: list(int32()).optional(),
  }).optional(),
  grpc: structObject({
    disabled: bool().optional(),
    serviceName: str().optional(),
    authority: str().optional(),
  }).optional(),
});

/** One `to[]` item: the destinations it matches and the check settings for them. */
export const MeshHealthCheckToSchema = structObject({
  targetRef: TargetRefSchema.optional(),
  default: MeshHealthCheckConfSchema.optional(),
});

/** What sits under `spec:`. A missing top-level `targetRef` means `kind: Mesh` (Kuma 2.9+). */
export const MeshHealthCheckSpecSchema = structObject({
  targetRef: TargetRefSchema.optional(),
  to: list(MeshHealthCheckToSchema).optional(),
});

/** A parsed `default`. */
export type MeshHealthCheckConf = z.infer<typeof MeshHealthCheckConfSchema>;
/** A parsed `to[]` item. */
export type MeshHealthCheckTo = z.infer<typeof MeshHealthCheckToSchema>;
/** The parsed MeshHealthCheck spec (what sits under `spec:`). */
export type MeshHealthCheckSpec = z.infer<typeof MeshHealthCheckSpecSchema>;

/** govalidator's `IsFilePath` for Unix and Windows paths, roughly. */
function isFilePath(text: string): boolean {
  return /^(\/[^/\0]*)+\/?$/.test(text) || /^[a-zA-Z]:\\/.test(text);
}

function checkDefault(path: FieldPath, conf: MeshHealthCheckConf, out: Violations): void {
  const positive = 'must be greater than zero when defined';
  for (const field of ['interval', 'timeout'] as const) {
    if (conf[field] !== undefined && (parseGoDuration(conf[field]) ?? 0) <= 0)
      out.add(path.field(field), positive);
  }
  for (const field of ['unhealthyThreshold', 'healthyThreshold'] as const) {
    if (conf[field] !== undefined && conf[field] <= 0) out.add(path.field(field), positive);
  }
  for (const field of ['initialJitter', 'intervalJitter'] as const) {
    if (conf[field] !== undefined && (parseGoDuration(conf[field]) ?? 0) <= 0)
      out.add(path.field(field), positive);
  }
  const jitterPercent = conf.intervalJitterPercent;
  if (jitterPercent !== undefined && (jitterPercent < 0 || jitterPercent > 100)) {
    out.add(path.field('intervalJitterPercent'), 'must be in inclusive range [0, 100]');
  }
  const panic = conf.healthyPanicThreshold === undefined ? undefined : Number(conf.healthyPanicThreshold);
  if (panic !== undefined && (panic < 0 || panic > 100)) {
    out.add(path.field('healthyPanicThreshold'), 'must be in inclusive range [0.0, 100.0]');
  }
  if (conf.noTrafficInterval !== undefined && (parseGoDuration(conf.noTrafficInterval) ?? 0) <= 0) {
    out.add(path.field('noTrafficInterval'), positive);
  }
  if (conf.eventLogPath !== undefined && !isFilePath(conf.eventLogPath)) {
    out.add(path.field('eventLogPath'), 'must be a valid path when defined');
  }
  if (conf.http !== undefined) {
    if (conf.http.path !== undefined && conf.http.path === '')
      out.add(path.field('http').field('path'), 'must be defined');
    (conf.http.expectedStatuses ?? []).forEach((status, i) => {
      if (status < 100 || status >= 600) {
        out.add(
          path.field('http').field('expectedStatuses').index(i),
          'must be in inclusive range [100, 599]',
        );
      }
    });
  }
  if (conf.http === undefined && conf.tcp === undefined && conf.grpc === undefined) {
    out.add(path, 'must have at least one defined: http, tcp, grpc');
  }
}

/** MeshHealthCheck's descriptor: mesh-scoped, written on global, copied to zones. */
export const meshHealthCheckKind = defineKind({
  type: 'MeshHealthCheck',
  scope: 'mesh',
  origin: 'global',
  sync: 'global-to-zones',
  plural: 'meshhealthchecks',
  cliNames: ['meshhealthcheck', 'mesh-health-check', 'mhc'],
  universalLayout: 'nested',
  schema: MeshHealthCheckSpecSchema,
  check(spec, out) {
    const path = FieldPath.at('spec');
    if (spec.targetRef !== undefined) {
      checkTargetRef(
        path.field('targetRef'),
        spec.targetRef,
        {
          supportedKinds: [
            'Mesh',
            'MeshSubset',
            'MeshGateway',
            'MeshService',
            'MeshServiceSubset',
            'Dataplane',
          ],
          gatewayListenerTagsAllowed: true,
        },
        out,
      );
    }
    const topKind = spec.targetRef?.kind ?? 'Mesh';
    (spec.to ?? []).forEach((item, i) => {
      const at = path.field('to').index(i);
      checkTargetRef(
        at.field('targetRef'),
        item.targetRef ?? {},
        { supportedKinds: ['Mesh', 'MeshService', 'MeshExternalService', 'MeshMultiZoneService'] },
        out,
      );
      if (item.targetRef?.kind === 'MeshExternalService' && topKind !== 'Mesh') {
        out.add(
          at.field('targetRef.kind'),
          'kind MeshExternalService is only possible with targetRef.kind: Mesh',
        );
      }
      checkDefault(at.field('default'), item.default ?? {}, out);
    });
  },
});
