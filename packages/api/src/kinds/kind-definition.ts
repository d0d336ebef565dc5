/**
 * Builds a {@link KindDescriptor} from a kind's zod schema and its Kuma rules. Validation runs in two
 * steps: the schema checks the shape (types; unknown keys dropped), then the rules check meaning.
 * Shape problems are reported all together; the rules run only on a well-shaped spec, since they
 * read its fields.
 */
import type * as z from 'zod';
import type { KindDescriptor, KindOrigin, KindScope, SyncDirection, UniversalLayout } from '../descriptor.js';
import type { FieldError } from '../errors.js';
import { FieldPath, Violations } from '../field-path.js';
import type { ResourceType } from '../resource.js';

/** Field names whose children are map keys, printed `tags["kuma.io/service"]` rather than `tags.x`. */
const mapFields = new Set(['match', 'tags', 'destination', 'labels', 'headers']);

/** Turns schema issues into Kuma-style field errors under `root`. */
export function issuesToFieldErrors(issues: readonly z.core.$ZodIssue[], root: FieldPath): FieldError[] {
  return issues.map((issue) => {
    let path = root;
    let previous: PropertyKey | undefined;
    for (const segment of issue.path) {
      if (typeof segment === 'number') path = path.index(segment);
      else if (typeof previous === 'string' && mapFields.has(previous)) path = path.key(String(segment));
      else path = path.field(String(segment));
      previous = segment;
    }
    return { field: path.toString(), message: issue.message };
  });
}

/** Everything {@link defineKind} needs to describe and validate a kind. */
export interface KindDefinition<S extends z.ZodType> {
  readonly type: ResourceType;
  readonly scope: KindScope;
  readonly origin: KindOrigin;
  readonly sync: SyncDirection;
  readonly plural: string;
  readonly cliNames: readonly string[];
  readonly universalLayout: UniversalLayout;
  readonly schema: S;
  /** Kuma's semantic rules; paths are absolute (`spec.from[0]...` for nested kinds). */
  readonly check: (spec: z.infer<S>, out: Violations) => void;
}

/** A descriptor whose `validate` returns the parsed spec or every problem found. */
export function defineKind<S extends z.ZodType>(definition: KindDefinition<S>): KindDescriptor<z.infer<S>> {
  const { schema, check, ...descriptor } = definition;
  const root = descriptor.universalLayout === 'nested' ? FieldPath.at('spec') : FieldPath.root;
  return {
    ...descriptor,
    validate(spec: unknown) {
      const parsed = schema.safeParse(spec ?? {});
      if (!parsed.success) return { ok: false, errors: issuesToFieldErrors(parsed.error.issues, root) };
      const out = new Violations();
      check(parsed.data, out);
      return out.isEmpty ? { ok: true, spec: parsed.data } : { ok: false, errors: out.toList() };
    },
  };
}
