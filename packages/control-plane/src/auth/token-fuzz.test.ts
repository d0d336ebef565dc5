/**
 * Property tests of token parsing and verification against what anyone can put in an
 * `Authorization` header: random text, random JWT-shaped text, and real tokens with random edits.
 * Nothing but the exact token verifies; everything else is refused with `Unauthenticated` and a
 * sentence (never a crash, never another code), quickly. Iterations: `ZONEMESH_FUZZ_RUNS`
 * (default 300 per property).
 */
import { createMemoryStore } from '@zonemesh/store';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRevocationList } from './revocations.js';
import { createSigningKeyRing } from './signing-keys.js';
import { createTokenAuthority, type TokenAuthority } from './token-authority.js';
import { parseToken } from './token-format.js';

const runs = Number(process.env.ZONEMESH_FUZZ_RUNS ?? 300);
const year = 8_760 * 3_600_000;

let authority: TokenAuthority;
const valid: string[] = [];

beforeAll(async () => {
  const store = createMemoryStore();
  const keys = createSigningKeyRing({
    store,
    checkpoint: 'keys',
    rotateAfterMs: 0,
    maxTokenValidityMs: year,
  });
  const revocations = createRevocationList({ store, checkpoint: 'revoked', maxTokenValidityMs: year });
  authority = createTokenAuthority({ issuer: 'zone:zone-1', keys, revocations, maxValidityMs: year });
  for (const request of [
    {
      kind: 'dataplane',
      mesh: 'default',
      name: 'web-1',
      tags: { 'kuma.io/service': ['web'] },
      validForMs: 60_000,
    },
    { kind: 'zone', zone: 'zone-1', scope: ['ingress'], validForMs: 60_000 },
    { kind: 'user', name: 'alice', groups: ['mesh-system:admin'], validForMs: 60_000 },
  ] as const) {
    valid.push((await authority.issue(request)).token);
  }
});

/** Fails the property unless `text` is refused as it should be: Unauthenticated, a sentence, quickly. */
async function refused(text: string): Promise<void> {
  const started = performance.now();
  const outcome = await authority.verify(text).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (outcome === undefined) throw new Error(`accepted a token it should refuse: ${text}`);
  const error = outcome as { name?: unknown; code?: unknown; message?: unknown };
  if (error.name !== 'MeshError' || error.code !== 'Unauthenticated') throw outcome;
  if (typeof error.message !== 'string' || !error.message.startsWith('the token ')) {
    throw new Error(`an unclear refusal: ${String(error.message)}`);
  }
  if (performance.now() - started > 200) throw new Error('took over 200 ms');
}

const base64url = fc.string({ unit: fc.constantFrom(...'ABCxyz019-_'.split('')), maxLength: 200 });

describe('token verification under random and mutated input', () => {
  it('refuses random text and random JWT-shaped text', async () => {
    const property = fc.asyncProperty(
      fc.oneof(
        fc.string({ maxLength: 300 }),
        fc.tuple(base64url, base64url, base64url).map((parts) => parts.join('.')),
        fc
          .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 3 }), base64url)
          .map(
            ([header, claims, signature]) =>
              `${Buffer.from(JSON.stringify(header) ?? '').toString('base64url')}.${Buffer.from(JSON.stringify(claims) ?? '').toString('base64url')}.${signature}`,
          ),
      ),
      refused,
    );
    await expect(fc.assert(property, { numRuns: runs })).resolves.toBeUndefined();
  });

  it('refuses every real token with any character changed, cut or added', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    const property = fc.asyncProperty(
      fc.nat({ max: 2 }),
      fc.nat(),
      fc.constantFrom(...alphabet.split('')),
      fc.constantFrom('replace', 'cut', 'insert'),
      async (which, at, char, edit) => {
        const token = valid[which] ?? '';
        const i = at % token.length;
        const changed =
          edit === 'replace'
            ? token.slice(0, i) + char + token.slice(i + 1)
            : edit === 'cut'
              ? token.slice(0, i)
              : token.slice(0, i) + char + token.slice(i);
        // Base64url's last character may carry unused bits: such an edit decodes to the same bytes.
        const same = (() => {
          try {
            const a = parseToken(changed);
            const b = parseToken(token);
            return a.signingInput === b.signingInput && a.signature.equals(b.signature);
          } catch {
            return false;
          }
        })();
        if (changed === token || same) return;
        await refused(changed);
      },
    );
    await expect(fc.assert(property, { numRuns: runs })).resolves.toBeUndefined();
  });

  it('refuses real claims re-encoded with any one field replaced (the signature no longer matches)', async () => {
    const property = fc.asyncProperty(
      fc.nat({ max: 2 }),
      fc.constantFrom('iss', 'jti', 'exp', 'nbf', 'kind', 'mesh', 'name', 'tags', 'zone', 'scope', 'groups'),
      fc.jsonValue({ maxDepth: 2 }),
      async (which, field, value) => {
        const [header, payload, signature] = (valid[which] ?? '').split('.') as [string, string, string];
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
        if (JSON.stringify(claims[field]) === JSON.stringify(value)) return;
        const forged = Buffer.from(JSON.stringify({ ...claims, [field]: value })).toString('base64url');
        await refused(`${header}.${forged}.${signature}`);
      },
    );
    await expect(fc.assert(property, { numRuns: runs })).resolves.toBeUndefined();
  });

  it('still verifies the untouched tokens', async () => {
    for (const token of valid) await expect(authority.verify(token)).resolves.toBeDefined();
  });
});
