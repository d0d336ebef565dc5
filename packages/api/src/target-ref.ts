/**
 * The `targetRef` of new-style policies (MeshTrafficPermission, MeshHealthCheck): what it may hold
 * and Kuma v2.14's `ValidateTargetRef` rules and messages.
 */
import * as z from 'zod';
import type { FieldPath, Violations } from './field-path.js';
import { checkSelector, checkTags } from './tag-rules.js';
import { list, str, stringMap, structObject } from './wire-types.js';

/** Every targetRef kind Kuma knows; each policy accepts a subset at each position. */
export const targetRefKinds = [
  'Mesh',
  'MeshSubset',
  'MeshService',
  'MeshServiceSubset',
  'MeshGateway',
  'MeshHTTPRoute',
  'MeshExternalService',
  'MeshMultiZoneService',
  'Dataplane',
] as const;

/** A targetRef kind name. */
export type TargetRefKind = (typeof targetRefKinds)[number];

/**
 * A reference from a policy to what it selects. `kind` is kept as a string so an unsupported kind
 * is reported the way Kuma reports it (`value 'X' is not supported`).
 */
export const TargetRefSchema = structObject({
  kind: str().optional(),
  name: str().optional(),
  namespace: str().optional(),
  mesh: str().optional(),
  tags: stringMap().optional(),
  labels: stringMap().optional(),
  proxyTypes: list(str()).optional(),
  sectionName: str().optional(),
});

/** A parsed targetRef; every field optional, as Kuma decodes it. */
export type TargetRef = z.infer<typeof TargetRefSchema>;

/** Which kinds a position accepts and what else it allows. */
export interface TargetRefRules {
  readonly supportedKinds: readonly TargetRefKind[];
  /** Inbound policies (MeshTrafficPermission) may name a Dataplane inbound by `sectionName`. */
  readonly isInboundPolicy?: boolean;
  /** MeshGateway refs may carry listener tags (MeshHealthCheck top level). */
  readonly gatewayListenerTagsAllowed?: boolean;
}

const nameCharset = /^[0-9a-z.\-_]*$/;

function isSet(value: string | Readonly<Record<string, string>> | readonly string[] | undefined): boolean {
  if (value === undefined) return false;
  if (typeof value === 'string') return value !== '';
  if (Array.isArray(value)) return value.length > 0;
  return Object.keys(value).length > 0;
}

/** Checks `ref` at `path` (`spec.targetRef`, `spec.from[0].targetRef`) with Kuma's rules. */
export function checkTargetRef(
  path: FieldPath,
  ref: TargetRef,
  rules: TargetRefRules,
  out: Violations,
): void {
  const kind = ref.kind ?? '';
  if (kind === '') {
    out.add(path.field('kind'), 'must be defined');
    return;
  }
  if (!(rules.supportedKinds as readonly string[]).includes(kind)) {
    out.add(path.field('kind'), `value '${kind}' is not supported`);
    return;
  }
  const disallow = (field: keyof TargetRef) => {
    if (isSet(ref[field])) out.add(path.field(field), `must not be set with kind ${kind}`);
  };
  const require = (field: 'name') => {
    if (!isSet(ref[field])) out.add(path.field(field), `must be set with kind ${kind}`);
  };
  const checkName = () => {
    if (!nameCharset.test(ref.name ?? '')) {
      out.add(
        path.field('name'),
        "invalid characters: must consist of lower case alphanumeric characters, '-', '.' and '_'.",
      );
    }
  };
  const hasLabels = isSet(ref.labels);
  switch (kind as TargetRefKind) {
    case 'Mesh':
      if (isSet(ref.name)) out.add(path.field('name'), `using name with kind ${kind} is not yet supported`);
      for (const field of ['mesh', 'tags', 'labels', 'namespace', 'sectionName'] as const) disallow(field);
      break;
    case 'Dataplane':
      for (const field of ['tags', 'mesh', 'proxyTypes'] as const) disallow(field);
      if (hasLabels && (isSet(ref.name) || isSet(ref.namespace))) {
        out.add(path.field('labels'), 'either labels or name and namespace must be specified');
      }
      if (rules.isInboundPolicy !== true && isSet(ref.sectionName)) {
        out.add(path.field('sectionName'), 'can only be used with inbound policies');
      }
      break;
    case 'MeshSubset':
      disallow('name');
      disallow('mesh');
      checkTags(path.field('tags'), ref.tags ?? {}, {}, out);
      for (const field of ['labels', 'namespace', 'sectionName'] as const) disallow(field);
      break;
    case 'MeshService':
    case 'MeshHTTPRoute':
      checkName();
      for (const field of ['mesh', 'tags', 'proxyTypes'] as const) disallow(field);
      if (!hasLabels) require('name');
      if (hasLabels && (isSet(ref.name) || isSet(ref.namespace))) {
        out.add(path.field('labels'), 'either labels or name and namespace must be specified');
      }
      if (hasLabels && isSet(ref.sectionName)) {
        out.add(path.field('sectionName'), 'sectionName should not be combined with labels');
      }
      break;
    case 'MeshServiceSubset':
    case 'MeshGateway':
      require('name');
      checkName();
      disallow('mesh');
      disallow('proxyTypes');
      checkSelector(path.field('tags'), ref.tags ?? {}, {}, out);
      if (kind === 'MeshGateway' && isSet(ref.tags) && rules.gatewayListenerTagsAllowed !== true)
        disallow('tags');
      for (const field of ['labels', 'namespace', 'sectionName'] as const) disallow(field);
      break;
    case 'MeshExternalService':
    case 'MeshMultiZoneService':
      checkName();
      for (const field of ['mesh', 'tags', 'proxyTypes'] as const) disallow(field);
      if (!hasLabels) require('name');
      if (hasLabels && (isSet(ref.name) || isSet(ref.namespace))) {
        out.add(path.field('labels'), 'either labels or name must be specified');
      }
      disallow('sectionName');
      break;
  }
}
