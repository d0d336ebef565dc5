/**
 * Turns a stored policy resource into the form the matchers read: selectors with their ranks,
 * creation time parsed, targetRefs normalised. Compiling checks only what matching relies on
 * (shapes, kinds, actions); full Kuma validation is `@zonemesh/api`'s job. A policy that cannot be
 * compiled is refused with a `MeshError` naming every bad field, and the engine stays unchanged.
 */
import { type FieldError, MeshError } from '@zonemesh/api';
import { type Instant, parseInstant } from './creation-time.js';
import { type Rank, rankOf, type Selector } from './selector.js';

/** Old-style policies: one `sources`/`destinations` pair per policy, Kuma picks the best one. */
export type LegacyPolicyType = 'TrafficPermission' | 'HealthCheck' | 'TrafficRoute';

/** targetRef policies: every selecting policy contributes, merged in priority order. */
export type TargetRefPolicyType = 'MeshTrafficPermission' | 'MeshHealthCheck';

/** Names one policy: its kind and its name, as `zmctl inspect` prints it. */
export interface PolicyRef<T extends string = string> {
  readonly type: T;
  readonly name: string;
}

/**
 * The structural shape of an old-style spec (what sits beside `type/name/mesh` in Universal form),
 * as loose as `@zonemesh/api`'s parsed specs: compiling refuses missing or empty lists and matches.
 */
export interface SourceDestinationSpecInput {
  readonly sources?: readonly SelectorEntryInput[] | undefined;
  readonly destinations?: readonly SelectorEntryInput[] | undefined;
  readonly conf?: unknown;
}

/** One `sources[]`/`destinations[]` entry. */
export interface SelectorEntryInput {
  readonly match?: Readonly<Record<string, string>> | undefined;
}

/** The structural shape of a targetRef (`{kind, name?, tags?, proxyTypes?}`); `kind` is required when compiling. */
export interface TargetRefInput {
  readonly kind?: string | undefined;
  readonly name?: string | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  readonly proxyTypes?: readonly string[] | undefined;
}

/** One `from[]`/`to[]` item; MeshTrafficPermission needs `default.action`. */
export interface TargetRefRuleInput {
  readonly targetRef?: TargetRefInput | undefined;
  readonly default?: unknown;
}

/** The structural shape of a targetRef policy's `spec`. A missing top-level targetRef means Mesh. */
export interface TargetRefSpecInput {
  readonly targetRef?: TargetRefInput | undefined;
  readonly from?: readonly TargetRefRuleInput[] | undefined;
  readonly to?: readonly TargetRefRuleInput[] | undefined;
}

/** What the engine reads of a resource: kind, name, creation time, labels and spec. */
export interface PolicyResourceInput {
  readonly type: string;
  readonly meta: {
    readonly name: string;
    readonly creationTime?: string;
    readonly labels?: Readonly<Record<string, string>>;
  };
  readonly spec: unknown;
}

/** One `match` of a `sources` or `destinations` list, with its position and rank. */
export interface CompiledSelector {
  /** Position in its list, for explanations (`sources[1]`). */
  readonly index: number;
  readonly tags: Selector;
  readonly rank: Rank;
}

/** An old-style policy ready for matching. */
export interface LegacyPolicy {
  readonly ref: PolicyRef<LegacyPolicyType>;
  readonly created: Instant;
  readonly sources: readonly CompiledSelector[];
  readonly destinations: readonly CompiledSelector[];
  readonly conf: unknown;
}

/** targetRef kinds, in the priority order of Kuma 2.6+ `SortByTargetRef` (later = stronger). */
export const targetRefKinds = [
  'Mesh',
  'Dataplane',
  'MeshSubset',
  'MeshGateway',
  'MeshService',
  'MeshExternalService',
  'MeshMultiZoneService',
  'MeshServiceSubset',
  'MeshHTTPRoute',
] as const;

/** A targetRef kind name. */
export type TargetRefKind = (typeof targetRefKinds)[number];

/** A targetRef with `tags` defaulted to `{}`. */
export interface CompiledTargetRef {
  readonly kind: TargetRefKind;
  readonly name?: string;
  readonly tags: Selector;
  readonly proxyTypes?: readonly string[];
}

/** MeshTrafficPermission actions. */
export type TrafficAction = 'Allow' | 'Deny' | 'AllowWithShadowDeny';

/** One `from[]` or `to[]` item. */
export interface CompiledRule {
  readonly index: number;
  readonly targetRef: CompiledTargetRef;
  readonly default: unknown;
  /** Set for MeshTrafficPermission `from` items. */
  readonly action?: TrafficAction;
}

/** Where a targetRef policy was written; zone-origin policies beat global ones of the same kind. */
export type PolicyOrigin = 'global' | 'zone';

/** A targetRef policy ready for matching. */
export interface TargetRefPolicy {
  readonly ref: PolicyRef;
  readonly origin: PolicyOrigin;
  readonly targetRef: CompiledTargetRef;
  readonly from: readonly CompiledRule[];
  readonly to: readonly CompiledRule[];
}

const epoch: Instant = { seconds: 0, nanos: 0 };

const topLevelKinds: { readonly [T in TargetRefPolicyType]: readonly TargetRefKind[] } = {
  MeshTrafficPermission: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'],
  MeshHealthCheck: ['Mesh', 'MeshSubset', 'MeshGateway', 'MeshService', 'MeshServiceSubset', 'Dataplane'],
};

const ruleKinds: { readonly [T in TargetRefPolicyType]: readonly TargetRefKind[] } = {
  MeshTrafficPermission: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset'],
  MeshHealthCheck: ['Mesh', 'MeshService', 'MeshExternalService', 'MeshMultiZoneService'],
};

const trafficActions: readonly TrafficAction[] = ['Allow', 'Deny', 'AllowWithShadowDeny'];

/** Compiles a TrafficPermission, HealthCheck or TrafficRoute; throws `InvalidInput` naming the fields. */
export function compileLegacyPolicy(type: LegacyPolicyType, resource: PolicyResourceInput): LegacyPolicy {
  const errors: FieldError[] = [];
  const created = compileCreationTime(resource, errors);
  const spec = isRecord(resource.spec) ? resource.spec : {};
  if (!isRecord(resource.spec)) errors.push({ field: 'spec', message: 'must be an object' });
  const sources = compileSelectorList(spec['sources'], 'sources', errors);
  const destinations = compileSelectorList(spec['destinations'], 'destinations', errors);
  throwIfInvalid(type, resource.meta.name, errors);
  return { ref: { type, name: resource.meta.name }, created, sources, destinations, conf: spec['conf'] };
}

/**
 * Compiles a targetRef policy. For MeshTrafficPermission and MeshHealthCheck the allowed kinds and
 * the `from` actions are checked; any other type (MeshTimeout, ...) is compiled generically so its
 * `to` rules can be merged with {@link mergeToRules}.
 */
export function compileTargetRefPolicy(resource: PolicyResourceInput): TargetRefPolicy {
  const errors: FieldError[] = [];
  const type = resource.type;
  const known = type === 'MeshTrafficPermission' || type === 'MeshHealthCheck' ? type : undefined;
  const spec = isRecord(resource.spec) ? resource.spec : {};
  if (!isRecord(resource.spec)) errors.push({ field: 'spec', message: 'must be an object' });
  const top =
    spec['targetRef'] === undefined || spec['targetRef'] === null
      ? { kind: 'Mesh' as const, tags: {} }
      : compileTargetRef(spec['targetRef'], 'spec.targetRef', known && topLevelKinds[known], errors);
  const allowedRuleKinds = known && ruleKinds[known];
  const from = compileRules(
    spec['from'],
    'spec.from',
    allowedRuleKinds,
    known === 'MeshTrafficPermission',
    errors,
  );
  const to = compileRules(spec['to'], 'spec.to', allowedRuleKinds, false, errors);
  if (known === 'MeshTrafficPermission' && isEmptyList(spec['from'])) {
    errors.push({ field: 'spec.from', message: 'needs at least one item' });
  }
  if (known === 'MeshHealthCheck' && isEmptyList(spec['to'])) {
    errors.push({ field: 'spec.to', message: 'needs at least one item' });
  }
  throwIfInvalid(type, resource.meta.name, errors);
  const origin: PolicyOrigin = resource.meta.labels?.['kuma.io/origin'] === 'zone' ? 'zone' : 'global';
  return { ref: { type, name: resource.meta.name }, origin, targetRef: top ?? meshTargetRef, from, to };
}

/** Whether the Mesh spec enables mTLS (`mtls.enabledBackend` set and non-empty). */
export function meshEnablesMtls(spec: unknown): boolean {
  if (!isRecord(spec)) return false;
  const mtls = spec['mtls'];
  if (!isRecord(mtls)) return false;
  const backend = mtls['enabledBackend'];
  return typeof backend === 'string' && backend !== '';
}

const meshTargetRef: CompiledTargetRef = { kind: 'Mesh', tags: {} };

function compileCreationTime(resource: PolicyResourceInput, errors: FieldError[]): Instant {
  const text = resource.meta.creationTime;
  if (text === undefined) return epoch;
  const instant = parseInstant(text);
  if (instant === undefined) {
    errors.push({ field: 'creationTime', message: `"${text}" is not an RFC 3339 timestamp` });
    return epoch;
  }
  return instant;
}

function compileSelectorList(value: unknown, field: string, errors: FieldError[]): CompiledSelector[] {
  if (!Array.isArray(value) || value.length === 0) {
    errors.push({ field, message: 'must have at least one element' });
    return [];
  }
  const selectors: CompiledSelector[] = [];
  value.forEach((entry: unknown, index) => {
    const path = `${field}[${index}].match`;
    const match = isRecord(entry) ? entry['match'] : undefined;
    const tags = compileTags(match, path, errors);
    if (tags === undefined) return;
    if (Object.keys(tags).length === 0) {
      errors.push({ field: path, message: 'must have at least one tag' });
      return;
    }
    selectors.push({ index, tags, rank: rankOf(tags) });
  });
  return selectors;
}

function compileTags(value: unknown, field: string, errors: FieldError[]): Selector | undefined {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    errors.push({ field, message: 'must be a map of tag names to values' });
    return undefined;
  }
  const tags: Record<string, string> = {};
  let valid = true;
  for (const [key, tagValue] of Object.entries(value)) {
    if (typeof tagValue !== 'string' || tagValue === '') {
      errors.push({ field: `${field}["${key}"]`, message: 'tag value must be a non-empty string' });
      valid = false;
      continue;
    }
    tags[key] = tagValue;
  }
  return valid ? tags : undefined;
}

function compileTargetRef(
  value: unknown,
  field: string,
  allowed: readonly TargetRefKind[] | undefined,
  errors: FieldError[],
): CompiledTargetRef | undefined {
  if (!isRecord(value)) {
    errors.push({ field, message: 'must be an object' });
    return undefined;
  }
  const kind = value['kind'];
  if (kind === undefined || kind === null || kind === '') {
    errors.push({ field: `${field}.kind`, message: 'must be defined' });
    return undefined;
  }
  if (!isTargetRefKind(kind) || (allowed !== undefined && !allowed.includes(kind))) {
    errors.push({ field: `${field}.kind`, message: `value ${quote(kind)} is not supported` });
    return undefined;
  }
  const name = value['name'];
  if (name !== undefined && typeof name !== 'string') {
    errors.push({ field: `${field}.name`, message: 'must be a string' });
    return undefined;
  }
  if ((kind === 'MeshService' || kind === 'MeshServiceSubset') && (name === undefined || name === '')) {
    errors.push({ field: `${field}.name`, message: `must be set when kind is ${kind}` });
    return undefined;
  }
  const tags = compileTags(value['tags'], `${field}.tags`, errors);
  if (tags === undefined) return undefined;
  const proxyTypes = value['proxyTypes'];
  if (proxyTypes !== undefined && !isStringList(proxyTypes)) {
    errors.push({ field: `${field}.proxyTypes`, message: 'must be a list of proxy types' });
    return undefined;
  }
  return {
    kind,
    tags,
    ...(typeof name === 'string' && name !== '' ? { name } : {}),
    ...(proxyTypes === undefined || proxyTypes.length === 0 ? {} : { proxyTypes }),
  };
}

function compileRules(
  value: unknown,
  field: string,
  allowed: readonly TargetRefKind[] | undefined,
  withAction: boolean,
  errors: FieldError[],
): CompiledRule[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    errors.push({ field, message: 'must be a list' });
    return [];
  }
  const rules: CompiledRule[] = [];
  value.forEach((item: unknown, index) => {
    const path = `${field}[${index}]`;
    if (!isRecord(item)) {
      errors.push({ field: path, message: 'must be an object' });
      return;
    }
    const targetRef = compileTargetRef(item['targetRef'], `${path}.targetRef`, allowed, errors);
    const conf = item['default'];
    if (!withAction) {
      if (targetRef !== undefined) rules.push({ index, targetRef, default: conf });
      return;
    }
    const action = isRecord(conf) ? conf['action'] : undefined;
    if (action === undefined || action === null) {
      errors.push({ field: `${path}.default.action`, message: 'must be defined' });
      return;
    }
    if (!isTrafficAction(action)) {
      errors.push({
        field: `${path}.default.action`,
        message: `value ${quote(action)} is not supported, use one of ${trafficActions.join(', ')}`,
      });
      return;
    }
    if (targetRef !== undefined) rules.push({ index, targetRef, default: conf, action });
  });
  return rules;
}

function throwIfInvalid(type: string, name: string, errors: readonly FieldError[]): void {
  if (errors.length === 0) return;
  throw new MeshError('InvalidInput', `${type} ${name} cannot be used for matching`, { causes: errors });
}

function isTargetRefKind(value: unknown): value is TargetRefKind {
  return typeof value === 'string' && (targetRefKinds as readonly string[]).includes(value);
}

/** Kuma quotes values in messages with single quotes: `value 'X' is not supported`. */
function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

function isEmptyList(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

function isTrafficAction(value: unknown): value is TrafficAction {
  return typeof value === 'string' && (trafficActions as readonly string[]).includes(value);
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Whether a value is a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
