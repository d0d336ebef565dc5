/** HealthCheck (old style): active health checking of the destinations a source calls. */
import type * as z from 'zod';
import { parseGoDuration } from '../duration.js';
import { FieldPath, type Violations } from '../field-path.js';
import { selectorListsShape } from '../selector.js';
import { checkSelectorList, onlyServiceTagAllowed } from '../tag-rules.js';
import { bool, bytes, duration, float, list, protoObject, str, uint32 } from '../wire-types.js';
import { defineKind } from './kind-definition.js';

const HeaderValueSchema = protoObject({ key: str().optional(), value: str().optional() });

/** `conf.http`: path, headers to add, statuses counted as healthy. */
export const HealthCheckHttpSchema = protoObject({
  path: str().optional(),
  requestHeadersToAdd: list(
    protoObject({ append: bool().optional(), header: HeaderValueSchema.optional() }),
  ).optional(),
  expectedStatuses: list(uint32()).optional(),
});

/** `conf.tcp`: optional payload to send and payloads expected back (base64). */
export const HealthCheckTcpSchema = protoObject({
  send: bytes().optional(),
  receive: list(bytes()).optional(),
});

/** `conf` of a HealthCheck. Durations in Go syntax. Only one of `http` and `tcp`. */
export const HealthCheckConfSchema = protoObject({
  interval: duration().optional(),
  timeout: duration().optional(),
  unhealthyThreshold: uint32().optional(),
  healthyThreshold: uint32().optional(),
  initialJitter: duration().optional(),
  intervalJitter: duration().optional(),
  intervalJitterPercent: uint32().optional(),
  healthyPanicThreshold: float().optional(),
  failTrafficOnPanic: bool().optional(),
  eventLogPath: str().optional(),
  alwaysLogHealthCheckFailures: bool().optional(),
  noTrafficInterval: duration().optional(),
  reuseConnection: bool().optional(),
  tcp: HealthCheckTcpSchema.optional(),
  http: HealthCheckHttpSchema.optional(),
});

/** The HealthCheck spec: `sources`, `destinations` (exactly one `kuma.io/service`) and `conf`. */
export const HealthCheckSpecSchema = protoObject({
  ...selectorListsShape,
  conf: HealthCheckConfSchema.optional(),
});

/** A parsed HealthCheck `conf`. */
export type HealthCheckConf = z.infer<typeof HealthCheckConfSchema>;
/** The parsed HealthCheck spec. */
export type HealthCheckSpec = z.infer<typeof HealthCheckSpecSchema>;

/** Kuma's `ValidateDuration`: set and non-zero. */
function checkPositiveDuration(path: FieldPath, value: string | undefined, out: Violations): void {
  if (value === undefined || parseGoDuration(value) === 0) out.add(path, 'must have a positive value');
}

function checkConf(conf: HealthCheckConf | undefined, out: Violations): void {
  const path = FieldPath.at('conf');
  if (conf === undefined) {
    out.add(path, 'has to be defined');
    return;
  }
  checkPositiveDuration(path.field('interval'), conf.interval, out);
  checkPositiveDuration(path.field('timeout'), conf.timeout, out);
  if ((conf.unhealthyThreshold ?? 0) === 0)
    out.add(path.field('unhealthyThreshold'), 'must have a positive value');
  if ((conf.healthyThreshold ?? 0) === 0)
    out.add(path.field('healthyThreshold'), 'must have a positive value');
  for (const field of ['initialJitter', 'intervalJitter', 'noTrafficInterval'] as const) {
    if (conf[field] !== undefined) checkPositiveDuration(path.field(field), conf[field], out);
  }
  const panic = conf.healthyPanicThreshold ?? 0;
  if (panic < 0 || panic > 100)
    out.add(path.field('healthyPanicThreshold'), 'must be in range [0.0 - 100.0]');
  if (conf.http !== undefined) {
    const http = path.field('http');
    if ((conf.http.path ?? '') === '') out.add(http.field('path'), 'has to be defined and cannot be empty');
    (conf.http.expectedStatuses ?? []).forEach((status, i) => {
      if (status < 100 || status >= 600)
        out.add(http.field('expectedStatuses').index(i), 'must be in range [100, 600)');
    });
    (conf.http.requestHeadersToAdd ?? []).forEach((entry, i) => {
      const header = http.field('requestHeadersToAdd').index(i).field('header');
      if (entry.header === undefined) out.add(header, 'has to be defined');
      else if ((entry.header.key ?? '') === '') out.add(header.field('key'), 'cannot be empty');
    });
  }
  if (conf.tcp !== undefined && conf.http !== undefined)
    out.add(path, 'http and tcp cannot be defined at the same time');
}

/** HealthCheck's descriptor: mesh-scoped, written on global, copied to zones. */
export const healthCheckKind = defineKind({
  type: 'HealthCheck',
  scope: 'mesh',
  origin: 'global',
  sync: 'global-to-zones',
  plural: 'health-checks',
  cliNames: ['healthcheck', 'health-check', 'hc'],
  universalLayout: 'inline',
  schema: HealthCheckSpecSchema,
  check(spec, out) {
    checkSelectorList(
      FieldPath.at('sources'),
      spec.sources,
      { requireAtLeastOneSelector: true, requireAtLeastOneTag: true, requireService: true },
      out,
    );
    checkSelectorList(FieldPath.at('destinations'), spec.destinations, onlyServiceTagAllowed, out);
    checkConf(spec.conf, out);
  },
});
