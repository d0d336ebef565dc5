/**
 * Revoked token ids, kept in a store checkpoint. An entry is kept until the token it names must
 * have expired anyway (`maxTokenValidityMs` after it was revoked), so the list stays bounded.
 * Revoking is idempotent. Replicas sharing the store see a revocation within `cacheMs`.
 */
import { MeshError } from '@zonemesh/api';
import type { ResourceStore } from '@zonemesh/store';
import * as z from 'zod';

/** A token id as tokens carry it (`jti`): 32 hex digits. */
export const TokenIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'must be a token id (32 hex digits)');

/** One revoked token. */
export const RevocationSchema = z.object({
  id: TokenIdSchema,
  /** RFC 3339. */
  revokedAt: z.iso.datetime(),
});

/** See {@link RevocationSchema}. */
export type Revocation = z.infer<typeof RevocationSchema>;

const RevocationListSchema = z.object({ v: z.literal(1), revoked: z.array(RevocationSchema) });

export interface RevocationListOptions {
  readonly store: ResourceStore;
  /** Checkpoint name, e.g. `zonemesh.io/auth/revocations`. */
  readonly checkpoint: string;
  readonly maxTokenValidityMs: number;
  /** Default 2 000 ms. */
  readonly cacheMs?: number;
  /** Called after this process revoked a token (to tell zones). */
  readonly onChange?: () => void;
  readonly now?: () => number;
}

export interface RevocationList {
  isRevoked(id: string): Promise<boolean>;
  /** Revokes a token id; returns false when it was revoked already. */
  revoke(id: string): Promise<boolean>;
  /** Every revocation still kept, oldest first. */
  list(): Promise<Revocation[]>;
}

/** Opens the list; nothing is read before the first call. */
export function createRevocationList(options: RevocationListOptions): RevocationList {
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? 2_000;
  let cached: { ids: Set<string>; entries: Revocation[]; at: number } | undefined;
  let writing: Promise<unknown> = Promise.resolve();

  const read = async (fresh = false): Promise<NonNullable<typeof cached>> => {
    if (!fresh && cached !== undefined && now() - cached.at < cacheMs) return cached;
    const text = await options.store.getCheckpoint(options.checkpoint);
    let entries: Revocation[] = [];
    if (text !== undefined) {
      const parsed = RevocationListSchema.safeParse(safeJson(text));
      // Failing closed: an unreadable list must not silently un-revoke every token.
      if (!parsed.success) {
        throw new MeshError('Internal', `the revocation checkpoint ${options.checkpoint} is unreadable`);
      }
      entries = parsed.data.revoked;
    }
    cached = { ids: new Set(entries.map((entry) => entry.id)), entries, at: now() };
    return cached;
  };

  return {
    async isRevoked(id) {
      return (await read()).ids.has(id);
    },
    async list() {
      return [...(await read(true)).entries];
    },
    revoke(id) {
      const parsed = TokenIdSchema.safeParse(id);
      if (!parsed.success) {
        return Promise.reject(
          new MeshError('InvalidInput', 'not a token id', {
            causes: [{ field: 'id', message: parsed.error.issues[0]?.message ?? 'invalid' }],
          }),
        );
      }
      const next = writing.then(async () => {
        const current = await read(true);
        if (current.ids.has(id)) return false;
        const keepAfter = now() - options.maxTokenValidityMs;
        const entries = [
          ...current.entries.filter((entry) => Date.parse(entry.revokedAt) > keepAfter),
          { id, revokedAt: new Date(now()).toISOString() },
        ];
        await options.store.setCheckpoint({
          name: options.checkpoint,
          value: JSON.stringify({ v: 1, revoked: entries }),
        });
        cached = { ids: new Set(entries.map((entry) => entry.id)), entries, at: now() };
        options.onChange?.();
        return true;
      });
      writing = next.catch(() => undefined);
      return next;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
