/**
 * Issues and verifies this control plane's tokens. A token verifies when it parses, names a
 * signing key this control plane trusts for its issuer (its own keys; on a federated zone also
 * global's public keys), its signature holds, it is within its validity (60 s of clock skew
 * allowed at the start) and its id is revoked neither here nor (on a zone) on global. Every
 * refusal is `Unauthenticated` with one sentence saying why; the token never appears in it.
 */
import { MeshError } from '@zonemesh/api';
import type { GlobalTrust } from './global-trust.js';
import type { RevocationList } from './revocations.js';
import type { SigningKeyRing } from './signing-keys.js';
import {
  encodeToken,
  hasValidSignature,
  newTokenId,
  parseToken,
  type TokenClaims,
  type zoneTokenScopes,
} from './token-format.js';

/** The issuer name of global's tokens. */
export const globalIssuer = 'global';

/** The issuer name of a zone control plane's tokens. */
export function zoneIssuer(zone: string): string {
  return `zone:${zone}`;
}

const clockSkewSeconds = 60;

/** What to issue. Validity in milliseconds, at most the authority's maximum. */
export type TokenRequest =
  | {
      readonly kind: 'dataplane';
      readonly mesh: string;
      readonly name: string;
      readonly tags?: Readonly<Record<string, readonly string[]>>;
      readonly validForMs: number;
    }
  | {
      readonly kind: 'zone';
      readonly zone: string;
      readonly scope: readonly (typeof zoneTokenScopes)[number][];
      readonly validForMs: number;
    }
  | {
      readonly kind: 'user';
      readonly name: string;
      readonly groups: readonly string[];
      readonly validForMs: number;
    };

export interface TokenAuthorityOptions {
  /** `global` or `zone:<name>`: the `iss` of the tokens issued here. */
  readonly issuer: string;
  readonly keys: SigningKeyRing;
  readonly revocations: RevocationList;
  /** On a federated zone: global's keys and revocations. */
  readonly global?: GlobalTrust | undefined;
  readonly maxValidityMs: number;
  readonly now?: () => number;
}

export interface TokenAuthority {
  readonly issuer: string;
  readonly maxValidityMs: number;
  /** Signs a new token. Throws `InvalidInput` (field `validFor`) for a validity out of range. */
  issue(request: TokenRequest): Promise<{ readonly token: string; readonly claims: TokenClaims }>;
  /** Verifies a token; returns its claims or throws `Unauthenticated`. */
  verify(text: string): Promise<TokenClaims>;
}

/** Makes the authority of one control plane. */
export function createTokenAuthority(options: TokenAuthorityOptions): TokenAuthority {
  const now = options.now ?? Date.now;
  const seconds = (): number => Math.floor(now() / 1000);

  return {
    issuer: options.issuer,
    maxValidityMs: options.maxValidityMs,
    async issue(request) {
      if (!(request.validForMs >= 1_000) || request.validForMs > options.maxValidityMs) {
        throw new MeshError('InvalidInput', 'the token validity is out of range', {
          causes: [
            {
              field: 'validFor',
              message: `must be between 1s and ${formatHours(options.maxValidityMs)} (--token-max-validity)`,
            },
          ],
        });
      }
      const iat = seconds();
      const common = {
        iss: options.issuer,
        jti: newTokenId(),
        iat,
        nbf: iat,
        exp: iat + Math.floor(request.validForMs / 1000),
      };
      let claims: TokenClaims;
      if (request.kind === 'dataplane') {
        claims = {
          ...common,
          kind: 'dataplane',
          mesh: request.mesh,
          name: request.name,
          ...(request.tags === undefined || Object.keys(request.tags).length === 0
            ? {}
            : { tags: Object.fromEntries(Object.entries(request.tags).map(([k, v]) => [k, [...v]])) }),
        };
      } else if (request.kind === 'zone') {
        claims = { ...common, kind: 'zone', zone: request.zone, scope: [...request.scope] };
      } else {
        claims = { ...common, kind: 'user', name: request.name, groups: [...request.groups] };
      }
      const key = await options.keys.active();
      return { token: encodeToken(claims, key.kid, key.privateKey), claims };
    },

    async verify(text) {
      const token = parseToken(text);
      const { claims } = token;
      const fromGlobal = claims.iss === globalIssuer && options.global !== undefined;
      if (claims.iss !== options.issuer && !fromGlobal) {
        const trusted =
          options.global === undefined ? options.issuer : `${options.issuer} or ${globalIssuer}`;
        throw new MeshError(
          'Unauthenticated',
          `the token was issued by ${JSON.stringify(claims.iss)}; this control plane accepts tokens of ${trusted}`,
        );
      }
      const publicKey = fromGlobal
        ? await options.global?.publicKey(token.kid)
        : await options.keys.publicKey(token.kid);
      if (publicKey === undefined) {
        throw new MeshError(
          'Unauthenticated',
          `the token is signed by an unknown signing key (${token.kid}): it was removed, or the token comes from elsewhere`,
        );
      }
      if (!hasValidSignature(token, publicKey)) {
        throw new MeshError('Unauthenticated', 'the token signature is invalid');
      }
      const at = seconds();
      if (claims.exp <= at) {
        throw new MeshError(
          'Unauthenticated',
          `the token expired at ${new Date(claims.exp * 1000).toISOString()}; generate a new one`,
        );
      }
      if (claims.nbf > at + clockSkewSeconds) {
        throw new MeshError('Unauthenticated', 'the token is not valid yet (check the clocks)');
      }
      const revoked =
        (await options.revocations.isRevoked(claims.jti)) ||
        (options.global !== undefined && (await options.global.isRevoked(claims.jti)));
      if (revoked) throw new MeshError('Unauthenticated', `the token ${claims.jti} is revoked`);
      return claims;
    },
  };
}

function formatHours(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${Math.round(ms / 1000)}s`;
}
