/**
 * What a federated zone trusts of global: global's public signing keys (so tokens global issued
 * work in the zone) and global's revocations (so a token revoked on global stops working in every
 * zone). Global sends it over NATS (auth-exchange.ts); the zone keeps the last copy in a store
 * checkpoint, so after a restart with NATS or global away it still refuses revoked tokens
 * (fail-static, like sync).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { ResourceStore } from '@zonemesh/store';
import * as z from 'zod';
import { RevocationSchema } from './revocations.js';

/** Global's public trust material, as sent to zones. */
export const TrustStateSchema = z.object({
  v: z.literal('1'),
  keys: z
    .array(
      z.object({
        kid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
        publicKeyPem: z.string().min(1).max(4096),
      }),
    )
    .max(1_000),
  revoked: z.array(RevocationSchema).max(1_000_000),
});

/** See {@link TrustStateSchema}. */
export type TrustState = z.infer<typeof TrustStateSchema>;

export interface GlobalTrust {
  /** Replaces what is trusted; returns whether it changed (then it is persisted). */
  update(state: TrustState): Promise<boolean>;
  publicKey(kid: string): Promise<KeyObject | undefined>;
  isRevoked(id: string): Promise<boolean>;
  /** Whether anything was ever received (or loaded from the store). */
  known(): Promise<boolean>;
}

/** Opens the zone's copy of global's trust state, loading it from the checkpoint on first use. */
export function createGlobalTrust(store: ResourceStore, checkpoint: string): GlobalTrust {
  let state: { text: string; keys: Map<string, KeyObject>; revoked: Set<string> } | undefined;
  let loading: Promise<void> | undefined;

  const adopt = (parsed: TrustState, text: string): void => {
    const keys = new Map<string, KeyObject>();
    for (const key of parsed.keys) {
      try {
        keys.set(key.kid, createPublicKey(key.publicKeyPem));
      } catch {
        // A key that does not parse verifies nothing; the others still work.
      }
    }
    state = { text, keys, revoked: new Set(parsed.revoked.map((entry) => entry.id)) };
  };

  const load = (): Promise<void> => {
    loading ??= (async () => {
      const text = await store.getCheckpoint(checkpoint);
      if (text === undefined || state !== undefined) return;
      const parsed = TrustStateSchema.safeParse(safeJson(text));
      if (parsed.success) adopt(parsed.data, text);
    })();
    return loading;
  };

  return {
    async update(next) {
      await load();
      const text = JSON.stringify(next);
      if (state?.text === text) return false;
      await store.setCheckpoint({ name: checkpoint, value: text });
      adopt(next, text);
      return true;
    },
    async publicKey(kid) {
      await load();
      return state?.keys.get(kid);
    },
    async isRevoked(id) {
      await load();
      return state?.revoked.has(id) ?? false;
    },
    async known() {
      await load();
      return state !== undefined;
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
