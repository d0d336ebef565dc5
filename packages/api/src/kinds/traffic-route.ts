/** TrafficRoute (old style): where a source's traffic to a service goes (one destination or a weighted split). */
import * as z from 'zod';
import { FieldPath, type Violations } from '../field-path.js';
import { SelectorSchema, selectorListsShape } from '../selector.js';
import { checkSelector, checkSelectorList, onlyServiceTagAllowed } from '../tag-rules.js';
import { JsonObjectSchema, bool, list, protoObject, str, uint32 } from '../wire-types.js';
import { defineKind } from './kind-definition.js';

/** One weighted split entry. `*` values in `destination` are filled from the outbound's tags. */
export const TrafficRouteSplitSchema = protoObject({
  weight: uint32().optional(),
  destination: SelectorSchema.optional(),
});

const StringMatcherSchema = protoObject({
  exact: str().optional(),
  prefix: str().optional(),
  regex: str().optional(),
});

const HeaderModificationSchema = protoObject({
  add: list(
    protoObject({ name: str().optional(), value: str().optional(), append: bool().optional() }),
  ).optional(),
  remove: list(protoObject({ name: str().optional() })).optional(),
});

/** An HTTP route: requests matching `match` go to its own `destination` or `split`. */
export const TrafficRouteHttpSchema = protoObject({
  match: protoObject({
    method: StringMatcherSchema.optional(),
    path: StringMatcherSchema.optional(),
    headers: z.record(z.string(), StringMatcherSchema, { error: 'must be a map' }).optional(),
  }).optional(),
  modify: protoObject({
    path: protoObject({
      rewritePrefix: str().optional(),
      regex: protoObject({ pattern: str().optional(), substitution: str().optional() }).optional(),
    }).optional(),
    host: protoObject({
      value: str().optional(),
      fromPath: protoObject({ pattern: str().optional(), substitution: str().optional() }).optional(),
    }).optional(),
    requestHeaders: HeaderModificationSchema.optional(),
    responseHeaders: HeaderModificationSchema.optional(),
  }).optional(),
  split: list(TrafficRouteSplitSchema).optional(),
  destination: SelectorSchema.optional(),
});

/** Load balancer choice: exactly one of these keys (each an options object). */
export const TrafficRouteLoadBalancerSchema = protoObject({
  roundRobin: JsonObjectSchema.optional(),
  leastRequest: protoObject({ choiceCount: uint32().optional() }).optional(),
  ringHash: protoObject({
    hashFunction: str().optional(),
    minRingSize: uint32().optional(),
    maxRingSize: uint32().optional(),
  }).optional(),
  random: JsonObjectSchema.optional(),
  maglev: JsonObjectSchema.optional(),
});

/** A TrafficRoute's `conf`: `destination` or `split`, optional `http` routes and `loadBalancer`. */
export const TrafficRouteConfSchema = protoObject({
  split: list(TrafficRouteSplitSchema).optional(),
  destination: SelectorSchema.optional(),
  http: list(TrafficRouteHttpSchema).optional(),
  loadBalancer: TrafficRouteLoadBalancerSchema.optional(),
});

/** The TrafficRoute spec: `sources`, `destinations` (exactly one `kuma.io/service`) and `conf`. */
export const TrafficRouteSpecSchema = protoObject({
  ...selectorListsShape,
  conf: TrafficRouteConfSchema.optional(),
});

/** A parsed split entry. */
export type TrafficRouteSplit = z.infer<typeof TrafficRouteSplitSchema>;
/** A parsed `conf`. */
export type TrafficRouteConf = z.infer<typeof TrafficRouteConfSchema>;
/** The parsed TrafficRoute spec. */
export type TrafficRouteSpec = z.infer<typeof TrafficRouteSpecSchema>;

type StringMatcher = z.infer<typeof StringMatcherSchema>;

const serviceDestination = { requireAtLeastOneTag: true, requireService: true } as const;

/** An empty list reads as unset (protobuf JSON keeps no empty repeated field); an empty map does not. */
function checkSplitAndDestination(
  path: FieldPath,
  split: readonly TrafficRouteSplit[] | undefined,
  destination: Readonly<Record<string, string>> | undefined,
  out: Violations,
): void {
  const hasSplit = split !== undefined && split.length > 0;
  if (!hasSplit && destination === undefined) out.add(path, 'requires either "destination" or "split"');
  if (hasSplit && destination !== undefined) {
    out.add(path, '"split" cannot be defined at the same time as "destination"');
  }
  if (hasSplit) {
    let total = 0;
    split.forEach((entry, i) => {
      if (entry.weight === undefined)
        out.add(path.field('split').index(i).field('weight'), 'needs to be defined');
      total += entry.weight ?? 0;
      checkSelector(
        path.field('split').index(i).field('destination'),
        entry.destination ?? {},
        serviceDestination,
        out,
      );
    });
    if (total === 0)
      out.add(path.field('split'), 'there must be at least one split entry with weight above 0');
  }
  if (destination !== undefined)
    checkSelector(path.field('destination'), destination, serviceDestination, out);
}

function checkStringMatcher(path: FieldPath, matcher: StringMatcher, out: Violations): void {
  if (matcher.exact !== undefined) return;
  if (matcher.prefix !== undefined) {
    if (matcher.prefix === '') out.add(path.field('prefix'), 'cannot be empty');
  } else if (matcher.regex !== undefined) {
    if (matcher.regex === '') out.add(path.field('regex'), 'cannot be empty');
  } else {
    out.add(path, 'cannot be empty. Available options: "exact", "split" or "regex"');
  }
}

function checkHeaderName(path: FieldPath, name: string, out: Violations): void {
  if (name === '') out.add(path, 'cannot be empty');
  else if (name.startsWith(':') || name === 'host' || name === 'Host') {
    out.add(path, 'host header and HTTP/2 pseudo-headers are not allowed to be modified');
  }
}

function checkHttp(path: FieldPath, http: z.infer<typeof TrafficRouteHttpSchema>, out: Violations): void {
  const match = http.match;
  const matchPath = path.field('match');
  if (match?.path === undefined && match?.method === undefined && match?.headers === undefined) {
    out.add(
      matchPath,
      'must be present and contain at least one of the elements: "method", "path" or "headers"',
    );
  } else {
    if (match.method !== undefined) checkStringMatcher(matchPath.field('method'), match.method, out);
    if (match.path !== undefined) checkStringMatcher(matchPath.field('path'), match.path, out);
    if (match.headers !== undefined && Object.keys(match.headers).length === 0) {
      out.add(matchPath.field('headers'), 'must contain at least one element');
    }
    for (const [name, matcher] of Object.entries(match.headers ?? {})) {
      const at = matchPath.field('headers').key(name);
      if (name === '') out.add(at, 'cannot be empty');
      checkStringMatcher(at, matcher, out);
    }
  }
  const modify = http.modify;
  const modifyPath = path.field('modify');
  if (modify?.path !== undefined) {
    const at = modifyPath.field('path');
    if (modify.path.rewritePrefix !== undefined) {
      if (modify.path.rewritePrefix === '') out.add(at.field('rewritePrefix'), 'cannot be empty');
      else if ((match?.path?.prefix ?? '') === '') {
        out.add(at.field('rewritePrefix'), 'can only be set when .http.match.path.prefix is not empty');
      }
    } else if (modify.path.regex !== undefined) {
      if ((modify.path.regex.pattern ?? '') === '')
        out.add(at.field('regex').field('pattern'), 'cannot be empty');
      if ((modify.path.regex.substitution ?? '') === '') {
        out.add(at.field('regex').field('substitution'), 'cannot be empty');
      }
    } else {
      out.add(at, 'either "rewritePrefix" or "regex" has to be set');
    }
  }
  if (modify?.host !== undefined) {
    const at = modifyPath.field('host');
    if (modify.host.value !== undefined) {
      if (modify.host.value === '') out.add(at.field('value'), 'cannot be empty');
    } else if (modify.host.fromPath !== undefined) {
      if ((modify.host.fromPath.pattern ?? '') === '')
        out.add(at.field('fromPath').field('pattern'), 'cannot be empty');
      if ((modify.host.fromPath.substitution ?? '') === '') {
        out.add(at.field('fromPath').field('substitution'), 'cannot be empty');
      }
    } else {
      out.add(at, 'either "value" or "fromPath" has to be set');
    }
  }
  for (const side of ['requestHeaders', 'responseHeaders'] as const) {
    const headers = modify?.[side];
    if (headers === undefined) continue;
    const at = modifyPath.field(side);
    (headers.add ?? []).forEach((add, i) => {
      checkHeaderName(at.field('add').index(i).field('name'), add.name ?? '', out);
      if ((add.value ?? '') === '') out.add(at.field('add').index(i).field('value'), 'cannot be empty');
    });
    (headers.remove ?? []).forEach((remove, i) => {
      checkHeaderName(at.field('remove').index(i).field('name'), remove.name ?? '', out);
    });
  }
  checkSplitAndDestination(path, http.split, http.destination, out);
}

function checkLoadBalancer(
  lb: z.infer<typeof TrafficRouteLoadBalancerSchema> | undefined,
  out: Violations,
): void {
  if (lb?.leastRequest?.choiceCount === 1) {
    out.add(
      FieldPath.at('conf.loadBalancer.leastRequest.choiceCount'),
      'value must be greater than or equal to 2',
    );
  }
  if (lb?.ringHash !== undefined && !['XX_HASH', 'MURMUR_HASH_2'].includes(lb.ringHash.hashFunction ?? '')) {
    out.add(FieldPath.at('conf.loadBalancer.ringHash.hashFunction'), 'must have a valid hash function');
  }
}

/** TrafficRoute's descriptor: mesh-scoped, written on global, copied to zones. */
export const trafficRouteKind = defineKind({
  type: 'TrafficRoute',
  scope: 'mesh',
  origin: 'global',
  sync: 'global-to-zones',
  plural: 'traffic-routes',
  cliNames: ['trafficroute', 'traffic-route', 'tr'],
  universalLayout: 'inline',
  schema: TrafficRouteSpecSchema,
  check(spec, out) {
    checkSelectorList(
      FieldPath.at('sources'),
      spec.sources,
      { requireAtLeastOneSelector: true, requireAtLeastOneTag: true, requireService: true },
      out,
    );
    checkSelectorList(FieldPath.at('destinations'), spec.destinations, onlyServiceTagAllowed, out);
    const root = FieldPath.at('conf');
    if (spec.conf === undefined) {
      out.add(root, 'cannot be empty');
      return;
    }
    checkSplitAndDestination(root, spec.conf.split, spec.conf.destination, out);
    (spec.conf.http ?? []).forEach((http, i) => checkHttp(root.field('http').index(i), http, out));
    checkLoadBalancer(spec.conf.loadBalancer, out);
  },
});
