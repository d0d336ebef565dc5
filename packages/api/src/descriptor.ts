/**
 * A descriptor per kind says where it lives and how it travels: its scope, where it is written,
 * its sync direction, REST plural and CLI names, and how to validate its spec.
 */
import type { FieldError } from './errors.js';
import type { ResourceType } from './resource.js';

/** `global`: one per federation (Mesh, Zone, ZoneIngress). `mesh`: lives inside a mesh. */
export type KindScope = 'global' | 'mesh';

/** Where the kind may be written in a federated deployment. */
export type KindOrigin = 'global' | 'zone';

/**
 * How the kind travels between control planes.
 * - `global-to-zones`: written on global, copied to every zone.
 * - `zone-to-global`: written in a zone, copied up to global only.
 * - `zone-to-global-to-zones`: written in a zone, copied up to global and from there to the other zones.
 * - `none`: stays where it is written.
 */
export type SyncDirection = 'global-to-zones' | 'zone-to-global' | 'zone-to-global-to-zones' | 'none';

/** Where the kind's spec sits in Kuma's Universal form: inline at top level, or under `spec:`. */
export type UniversalLayout = 'inline' | 'nested';

/** What zonemesh knows about one kind: where it lives, how it travels, how it is named and validated. */
export interface KindDescriptor<S = unknown> {
  readonly type: ResourceType;
  readonly scope: KindScope;
  readonly origin: KindOrigin;
  readonly sync: SyncDirection;
  /** REST plural: `/meshes/{mesh}/{plural}` for mesh-scoped kinds, `/{plural}` for global ones. */
  readonly plural: string;
  /** Names `zmctl get` accepts besides the plural and the type (case-insensitive). */
  readonly cliNames: readonly string[];
  readonly universalLayout: UniversalLayout;
  /**
   * Validates an unknown spec (already decoded from YAML/JSON) with Kuma's rules. Returns the
   * parsed spec or every problem found, each with Kuma's field path.
   */
  validate(spec: unknown): { ok: true; spec: S } | { ok: false; errors: FieldError[] };
}
