/**
 * A control plane's token signing keys: a ring of Ed25519 key pairs kept in a store checkpoint
 * (never a resource, so neither sync nor the REST API ever carries a private key). New tokens are
 * signed with the newest key; older keys keep verifying the tokens they signed until those must
 * have expired (`maxTokenValidityMs` after the key was retired), then they are dropped. A key is
 * rotated when it is older than `rotateAfterMs`, or on demand; removing a key at once invalidates
 * every token it signed (the answer to a leaked key).
 *
 * Several replicas sharing one store see each other's rotations within `cacheMs`; two replicas
 * rotating in the same instant both write and the last one wins (its key signs from then on; the
 * other's tokens fail as "unknown signing key" — rotate on one replica).
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { MeshError } from '@zonemesh/api';
import type { ResourceStore } from '@zonemesh/store';
import * as z from 'zod';

const StoredKeySchema = z.object({
  kid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  createdAt: z.iso.datetime(),
  privateKeyPem: z.string().min(1),
  publicKeyPem: z.string().min(1),
});

const KeyRingSchema = z.object({ v: z.literal(1), keys: z.array(StoredKeySchema) });

type StoredKey = z.infer<typeof StoredKeySchema>;

/** What anyone may know about a signing key. */
export interface PublicSigningKey {
  readonly kid: string;
  /** RFC 3339. */
  readonly createdAt: string;
  /** SPKI PEM of the Ed25519 public key. */
  readonly publicKeyPem: string;
  /** The key new tokens are signed with. */
  readonly active: boolean;
}

/** The key that signs now. */
export interface ActiveSigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

export interface SigningKeyRingOptions {
  readonly store: ResourceStore;
  /** Checkpoint name, e.g. `zonemesh.io/auth/signing-keys`. */
  readonly checkpoint: string;
  /** Rotate the newest key once it is this old; 0 never rotates by itself. */
  readonly rotateAfterMs: number;
  /** No token lives longer: a retired key is dropped this long after it was retired. */
  readonly maxTokenValidityMs: number;
  /** How long a read of the checkpoint is reused; default 2 000 ms. */
  readonly cacheMs?: number;
  /** Called after this process changed the ring (to tell zones). */
  readonly onChange?: () => void;
  readonly now?: () => number;
}

export interface SigningKeyRing {
  /** The newest key; made when there is none, rotated first when it is due. */
  active(): Promise<ActiveSigningKey>;
  /** The public key of `kid`, re-reading the store once when it is not known yet. */
  publicKey(kid: string): Promise<KeyObject | undefined>;
  /** Every key, newest first (without private keys). */
  list(): Promise<PublicSigningKey[]>;
  /** Makes a new key that signs from now on; the older ones keep verifying. */
  rotate(): Promise<PublicSigningKey>;
  /** Drops a key: tokens it signed stop verifying. Refuses the only key (`InvalidInput`). */
  remove(kid: string): Promise<void>;
}

/** Opens the ring; nothing is read or made before the first call. */
export function createSigningKeyRing(options: SigningKeyRingOptions): SigningKeyRing {
  const { store } = options;
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? 2_000;
  let cached: { keys: StoredKey[]; at: number } | undefined;
  let writing: Promise<unknown> = Promise.resolve();
  const publicKeys = new Map<string, KeyObject>();

  const read = async (fresh = false): Promise<StoredKey[]> => {
    if (!fresh && cached !== undefined && now() - cached.at < cacheMs) return cached.keys;
    const text = await store.getCheckpoint(options.checkpoint);
    let keys: StoredKey[] = [];
    if (text !== undefined) {
      const parsed = KeyRingSchema.safeParse(safeJson(text));
      if (!parsed.success) {
        throw new MeshError('Internal', `the signing key checkpoint ${options.checkpoint} is unreadable`);
      }
      keys = parsed.data.keys;
    }
    cached = { keys, at: now() };
    return keys;
  };

  /** Runs one read-modify-write at a time in this process. */
  const change = <T>(edit: (keys: StoredKey[]) => { keys: StoredKey[]; result: T }): Promise<T> => {
    const next = writing.then(async () => {
      const { keys, result } = edit(await read(true));
      await store.setCheckpoint({
        name: options.checkpoint,
        value: JSON.stringify({ v: 1, keys } satisfies z.input<typeof KeyRingSchema>),
      });
      cached = { keys, at: now() };
      options.onChange?.();
      return result;
    });
    writing = next.catch(() => undefined);
    return next;
  };

  const withNewKey = (keys: StoredKey[]): { keys: StoredKey[]; result: StoredKey } => {
    const created = makeKey(keys, now());
    return { keys: prune([created, ...keys], now(), options.maxTokenValidityMs), result: created };
  };

  const isDue = (key: StoredKey | undefined): boolean =>
    key === undefined ||
    (options.rotateAfterMs > 0 && Date.parse(key.createdAt) + options.rotateAfterMs <= now());

  return {
    async active() {
      let newest = (await read())[0];
      if (isDue(newest)) {
        newest = await change((keys) => (isDue(keys[0]) ? withNewKey(keys) : { keys, result: keys[0] }));
      }
      if (newest === undefined) throw new MeshError('Internal', 'no signing key after making one');
      return { kid: newest.kid, privateKey: createPrivateKey(newest.privateKeyPem) };
    },
    async publicKey(kid) {
      const known = publicKeys.get(kid);
      if (known !== undefined) return known;
      let key = (await read()).find((entry) => entry.kid === kid);
      key ??= (await read(true)).find((entry) => entry.kid === kid);
      if (key === undefined) return undefined;
      const object = createPublicKey(key.publicKeyPem);
      publicKeys.set(kid, object);
      return object;
    },
    async list() {
      return (await read(true)).map((key, index) => ({
        kid: key.kid,
        createdAt: key.createdAt,
        publicKeyPem: key.publicKeyPem,
        active: index === 0,
      }));
    },
    async rotate() {
      const created = await change(withNewKey);
      return {
        kid: created.kid,
        createdAt: created.createdAt,
        publicKeyPem: created.publicKeyPem,
        active: true,
      };
    },
    async remove(kid) {
      await change((keys) => {
        if (!keys.some((key) => key.kid === kid)) {
          throw new MeshError('NotFound', `there is no signing key ${kid}`);
        }
        if (keys.length === 1) {
          throw new MeshError(
            'InvalidInput',
            `${kid} is the only signing key: rotate first (a new key), then remove the old one`,
          );
        }
        return { keys: keys.filter((key) => key.kid !== kid), result: undefined };
      });
      publicKeys.delete(kid);
    },
  };
}

function makeKey(existing: readonly StoredKey[], at: number): StoredKey {
  const serial = Math.max(0, ...existing.map((key) => Number.parseInt(key.kid, 10) || 0)) + 1;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    kid: `${serial}-${randomBytes(4).toString('hex')}`,
    createdAt: new Date(at).toISOString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * Drops retired keys no live token can still name: key `i` was retired when key `i-1` was made,
 * and every token it signed expires at most `maxValidityMs` later.
 */
function prune(keys: readonly StoredKey[], at: number, maxValidityMs: number): StoredKey[] {
  return keys.filter((key, index) => {
    const successor = keys[index - 1];
    if (successor === undefined) return true;
    return Date.parse(successor.createdAt) + maxValidityMs > at;
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
