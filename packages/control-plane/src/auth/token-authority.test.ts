import { createMemoryStore, type ResourceStore } from '@zonemesh/store';
import { beforeEach, describe, expect, it } from 'vitest';
import { createGlobalTrust } from './global-trust.js';
import { createRevocationList, type RevocationList } from './revocations.js';
import { createSigningKeyRing, type SigningKeyRing } from './signing-keys.js';
import { createTokenAuthority, type TokenAuthority, zoneIssuer } from './token-authority.js';
import { maxTokenBytes, parseToken } from './token-format.js';

const hour = 3_600_000;
const year = 8_760 * hour;

interface Authority {
  readonly store: ResourceStore;
  readonly keys: SigningKeyRing;
  readonly revocations: RevocationList;
  readonly tokens: TokenAuthority;
}

let clock = Date.parse('2026-11-25T00:00:00Z');
const now = () => clock;

function authority(issuer: string, global?: ReturnType<typeof createGlobalTrust>): Authority {
  const store = createMemoryStore();
  const keys = createSigningKeyRing({
    store,
    checkpoint: 'keys',
    rotateAfterMs: 720 * hour,
    maxTokenValidityMs: year,
    cacheMs: 0,
    now,
  });
  const revocations = createRevocationList({ store, checkpoint: 'revoked', maxTokenValidityMs: year, now });
  return {
    store,
    keys,
    revocations,
    tokens: createTokenAuthority({ issuer, keys, revocations, global, maxValidityMs: year, now }),
  };
}

const dataplaneToken = (a: Authority, validForMs = hour) =>
  a.tokens.issue({ kind: 'dataplane', mesh: 'default', name: 'web-1', validForMs });

describe('token authority', () => {
  beforeEach(() => {
    clock = Date.parse('2026-11-25T00:00:00Z');
  });

  it('issues tokens that verify and say what they were issued for', async () => {
    const zone = authority(zoneIssuer('zone-1'));
    const dp = await zone.tokens.issue({
      kind: 'dataplane',
      mesh: 'default',
      name: 'web-1',
      tags: { 'kuma.io/service': ['web'] },
      validForMs: 24 * hour,
    });
    expect(await zone.tokens.verify(dp.token)).toMatchObject({
      kind: 'dataplane',
      mesh: 'default',
      name: 'web-1',
      tags: { 'kuma.io/service': ['web'] },
      iss: 'zone:zone-1',
      exp: Math.floor(clock / 1000) + 24 * 3600,
    });
    const ingress = await zone.tokens.issue({
      kind: 'zone',
      zone: 'zone-1',
      scope: ['ingress'],
      validForMs: hour,
    });
    expect(await zone.tokens.verify(ingress.token)).toMatchObject({
      kind: 'zone',
      zone: 'zone-1',
      scope: ['ingress'],
    });
    const user = await zone.tokens.issue({
      kind: 'user',
      name: 'alice',
      groups: ['mesh-system:admin'],
      validForMs: hour,
    });
    expect(await zone.tokens.verify(user.token)).toMatchObject({ kind: 'user', name: 'alice' });
    expect(new Set([dp.claims.jti, ingress.claims.jti, user.claims.jti]).size).toBe(3);
  });

  it('refuses an expired token, and one not valid yet', async () => {
    const zone = authority(zoneIssuer('zone-1'));
    const { token } = await dataplaneToken(zone, hour);
    clock += hour;
    await expect(zone.tokens.verify(token)).rejects.toMatchObject({
      code: 'Unauthenticated',
      message: expect.stringContaining('expired'),
    });
    clock -= 2 * hour;
    await expect(zone.tokens.verify(token)).rejects.toThrow(/not valid yet/);
  });

  it('refuses a revoked token, and only that one', async () => {
    const zone = authority(zoneIssuer('zone-1'));
    const revoked = await dataplaneToken(zone);
    const kept = await dataplaneToken(zone);
    expect(await zone.revocations.revoke(revoked.claims.jti)).toBe(true);
    expect(await zone.revocations.revoke(revoked.claims.jti)).toBe(false);
    await expect(zone.tokens.verify(revoked.token)).rejects.toThrow(/revoked/);
    await expect(zone.tokens.verify(kept.token)).resolves.toMatchObject({ jti: kept.claims.jti });
  });

  it('refuses tokens signed by another key, tampered with, or from another issuer', async () => {
    const zone = authority(zoneIssuer('zone-1'));
    await dataplaneToken(zone);
    const impostor = authority(zoneIssuer('zone-1'));
    const forged = await dataplaneToken(impostor);
    await expect(zone.tokens.verify(forged.token)).rejects.toThrow(/unknown signing key/);

    const { token } = await dataplaneToken(zone);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const widened = Buffer.from(JSON.stringify({ ...claims, name: 'backend1-1' })).toString('base64url');
    await expect(zone.tokens.verify(`${header}.${widened}.${signature}`)).rejects.toThrow(
      /signature is invalid/,
    );

    const other = authority(zoneIssuer('zone-2'));
    await expect(zone.tokens.verify((await dataplaneToken(other)).token)).rejects.toThrow(
      /issued by "zone:zone-2"/,
    );
  });

  it('refuses malformed tokens with a clear error', async () => {
    const zone = authority(zoneIssuer('zone-1'));
    for (const text of ['', 'abc', 'a.b', 'a.b.c', '!!.??.**', 'x'.repeat(maxTokenBytes + 1)]) {
      await expect(zone.tokens.verify(text)).rejects.toMatchObject({
        code: 'Unauthenticated',
        message: expect.stringMatching(/^the token is malformed: /),
      });
    }
  });

  it('keeps old tokens valid across a rotation, and refuses them once their key is removed', async () => {
    const zone = authority(zoneIssuer('zone-1'));
    const before = await dataplaneToken(zone);
    const rotated = await zone.keys.rotate();
    const after = await dataplaneToken(zone);
    expect(parseToken(after.token).kid).toBe(rotated.kid);
    expect(parseToken(before.token).kid).not.toBe(rotated.kid);
    await expect(zone.tokens.verify(before.token)).resolves.toBeDefined();
    await zone.keys.remove(parseToken(before.token).kid);
    await expect(zone.tokens.verify(before.token)).rejects.toThrow(/unknown signing key/);
    await expect(zone.tokens.verify(after.token)).resolves.toBeDefined();
    await expect(zone.keys.remove(rotated.kid)).rejects.toMatchObject({ code: 'InvalidInput' });
  });

  it('rotates the key by itself once it is due, and drops retired keys no token can use', async () => {
    const zone = authority(zoneIssuer('zone-1'));
    const first = parseToken((await dataplaneToken(zone)).token).kid;
    clock += 721 * hour;
    const second = parseToken((await dataplaneToken(zone)).token).kid;
    expect(second).not.toBe(first);
    expect((await zone.keys.list()).map((key) => key.kid)).toEqual([second, first]);
    clock += year;
    await zone.keys.rotate();
    expect((await zone.keys.list()).map((key) => key.kid)).not.toContain(first);
  });

  it('refuses a validity beyond the maximum', async () => {
    const zone = authority(zoneIssuer('zone-1'));
    await expect(dataplaneToken(zone, year + hour)).rejects.toMatchObject({
      code: 'InvalidInput',
      causes: [{ field: 'validFor', message: expect.stringContaining('8760h') }],
    });
  });

  it("lets a federated zone accept global's tokens once it knows global's keys, and global's revocations", async () => {
    const global = authority('global');
    const token = await dataplaneToken(global);
    const trustStore = createMemoryStore();
    const trust = createGlobalTrust(trustStore, 'trust');
    const zone = authority(zoneIssuer('zone-1'), trust);
    await expect(zone.tokens.verify(token.token)).rejects.toThrow(/unknown signing key/);
    const state = async () => ({
      v: '1' as const,
      keys: (await global.keys.list()).map(({ kid, publicKeyPem }) => ({ kid, publicKeyPem })),
      revoked: await global.revocations.list(),
    });
    expect(await trust.update(await state())).toBe(true);
    expect(await trust.update(await state())).toBe(false);
    await expect(zone.tokens.verify(token.token)).resolves.toMatchObject({ iss: 'global' });
    await global.revocations.revoke(token.claims.jti);
    await trust.update(await state());
    await expect(zone.tokens.verify(token.token)).rejects.toThrow(/revoked/);
    // Fail-static: a zone restarted (same store) with global away still knows keys and revocations.
    const restarted = createGlobalTrust(trustStore, 'trust');
    expect(await restarted.known()).toBe(true);
    expect(await restarted.isRevoked(token.claims.jti)).toBe(true);
    // Global never trusts a zone's tokens.
    await expect(global.tokens.verify((await dataplaneToken(zone)).token)).rejects.toThrow(/issued by/);
  });

  it('keeps a revocation until the token it names must have expired', async () => {
    const zone = authority(zoneIssuer('zone-1'));
    const old = await dataplaneToken(zone);
    await zone.revocations.revoke(old.claims.jti);
    clock += year + hour;
    const recent = await dataplaneToken(zone);
    await zone.revocations.revoke(recent.claims.jti);
    expect((await zone.revocations.list()).map((entry) => entry.id)).toEqual([recent.claims.jti]);
  });
});
