/**
 * Kuma's rules for tag maps: selectors in policies (`sources[].match`), tags of Dataplane inbounds
 * and ZoneIngress services, and the `tags` of targetRefs. Same checks, same order and same
 * messages as Kuma's `pkg/core/resources/apis/mesh/validators.go`.
 */
import type { FieldPath, Violations } from './field-path.js';
import { Tags } from './resource.js';

const tagNameCharset = /^[a-zA-Z0-9.\-_:/]*$/;
const tagValueCharset = /^[a-zA-Z0-9.\-_:]*$/;
const selectorValueCharset = /^([a-zA-Z0-9.\-_:/]*|\*)$/;

/** A check over a whole tag map, run before the per-key checks. */
export type TagMapRule = (path: FieldPath, tags: Readonly<Record<string, string>>, out: Violations) => void;

/** What a tag map must satisfy besides the charset rules. */
export interface TagRuleOptions {
  /** Report "must have at least one tag" for an empty map. */
  readonly requireAtLeastOneTag?: boolean;
  /** Report 'mandatory tag "kuma.io/service" is missing' when absent. */
  readonly requireService?: boolean;
  readonly mapRules?: readonly TagMapRule[];
  readonly keyRules?: readonly ((path: FieldPath, key: string, out: Violations) => void)[];
}

/** Keys in Go's `sort.Strings` order (byte order), as Kuma visits them. */
function sortedKeys(tags: Readonly<Record<string, string>>): string[] {
  return Object.keys(tags).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function checkTagMap(
  path: FieldPath,
  tags: Readonly<Record<string, string>>,
  options: TagRuleOptions,
  valueCharset: RegExp,
  valueCharsetMessage: string,
  out: Violations,
): void {
  if (options.requireAtLeastOneTag === true && Object.keys(tags).length === 0) {
    out.add(path, 'must have at least one tag');
  }
  for (const rule of options.mapRules ?? []) rule(path, tags, out);
  for (const key of sortedKeys(tags)) {
    if (key === '') out.add(path, 'tag name must be non-empty');
    if (!tagNameCharset.test(key)) {
      out.add(
        path.key(key),
        'tag name must consist of alphanumeric characters, dots, dashes, slashes and underscores',
      );
    }
    for (const rule of options.keyRules ?? []) rule(path, key, out);
    const value = tags[key] ?? '';
    if (value === '') out.add(path.key(key), 'tag value must be non-empty');
    if (!valueCharset.test(value)) out.add(path.key(key), valueCharsetMessage);
  }
  if (options.requireService === true && !Object.hasOwn(tags, Tags.service)) {
    out.add(path, `mandatory tag "${Tags.service}" is missing`);
  }
}

/** A selector: values may also be `*` and contain slashes (Kuma's `ValidateSelector`). */
export function checkSelector(
  path: FieldPath,
  selector: Readonly<Record<string, string>>,
  options: TagRuleOptions,
  out: Violations,
): void {
  checkTagMap(
    path,
    selector,
    options,
    selectorValueCharset,
    'tag value must consist of alphanumeric characters, dots, dashes, slashes and underscores or be "*"',
    out,
  );
}

/** Concrete tags of a proxy or service: no `*`, no slashes in values (Kuma's `ValidateTags`). */
export function checkTags(
  path: FieldPath,
  tags: Readonly<Record<string, string>>,
  options: TagRuleOptions,
  out: Violations,
): void {
  checkTagMap(
    path,
    tags,
    options,
    tagValueCharset,
    'tag value must consist of alphanumeric characters, dots, dashes and underscores',
    out,
  );
}

/** One `sources`/`destinations` entry as written: `{match: {...}}`. */
export interface SelectorEntry {
  readonly match?: Readonly<Record<string, string>> | undefined;
}

/**
 * A `sources` or `destinations` list: "must have at least one element" when
 * `requireAtLeastOneSelector`, then each `[i].match` checked as a selector.
 */
export function checkSelectorList(
  path: FieldPath,
  entries: readonly SelectorEntry[] | undefined,
  options: TagRuleOptions & { readonly requireAtLeastOneSelector?: boolean },
  out: Violations,
): void {
  const list = entries ?? [];
  if (options.requireAtLeastOneSelector === true && list.length === 0) {
    out.add(path, 'must have at least one element');
  }
  list.forEach((entry, i) => checkSelector(path.index(i).field('match'), entry.match ?? {}, options, out));
}

/**
 * Kuma's `OnlyServiceTagAllowed`: destinations of outbound policies (HealthCheck, TrafficRoute)
 * select exactly one `kuma.io/service`.
 */
export const onlyServiceTagAllowed = {
  requireAtLeastOneSelector: true,
  requireService: true,
  mapRules: [
    (path: FieldPath, selector: Readonly<Record<string, string>>, out: Violations) => {
      if (Object.keys(selector).length !== 1 || !Object.hasOwn(selector, Tags.service)) {
        out.add(path, `must consist of exactly one tag "${Tags.service}"`);
      }
    },
  ],
  keyRules: [
    (path: FieldPath, key: string, out: Violations) => {
      if (key !== Tags.service) out.add(path.key(key), `tag "${key}" is not allowed`);
    },
  ],
} as const satisfies TagRuleOptions & { readonly requireAtLeastOneSelector: boolean };
