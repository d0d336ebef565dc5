/**
 * Who is calling the REST API, and the one rule about what they may do (docs/security.md):
 * - a request with `Authorization: Bearer <user token>` is that user (an invalid, expired or
 *   revoked token is refused with 401, reads included: a client that sends a token means it);
 * - without a token, a request from loopback is an admin when `--api-localhost-is-admin` (Kuma's
 *   default), otherwise anonymous;
 * - admins are users in group `mesh-system:admin`. Admins may do everything; everyone else,
 *   anonymous included, may only read, and reads never show secrets or tokens.
 */
import { MeshError } from '@zonemesh/api';
import { type HttpRequest, isLoopback, type Router } from '@zonemesh/runtime';
import { bearerToken } from '../auth/proxy-authentication.js';
import type { TokenAuthority } from '../auth/token-authority.js';

/** The group whose members are admins (Kuma's name). */
export const adminGroup = 'mesh-system:admin';

/** Who made a request. */
export type ApiIdentity =
  | { readonly kind: 'localhost-admin' }
  | {
      readonly kind: 'user';
      readonly name: string;
      readonly groups: readonly string[];
      readonly tokenId: string;
    }
  | { readonly kind: 'anonymous' };

const anonymous: ApiIdentity = { kind: 'anonymous' };
const identities = new WeakMap<HttpRequest, ApiIdentity>();

/** Whether the identity may write. */
export function isAdmin(identity: ApiIdentity): boolean {
  return (
    identity.kind === 'localhost-admin' || (identity.kind === 'user' && identity.groups.includes(adminGroup))
  );
}

/** The identity {@link authenticatedRouter} found for a request (anonymous outside it). */
export function identityOf(request: HttpRequest): ApiIdentity {
  return identities.get(request) ?? anonymous;
}

/**
 * Throws `Unauthenticated` (401) for anonymous callers and `Forbidden` (403) for users who are
 * not admins. `what` completes "… needs admin rights".
 */
export function requireAdmin(request: HttpRequest, what: string, localhostIsAdmin: boolean): void {
  const identity = identityOf(request);
  if (isAdmin(identity)) return;
  if (identity.kind === 'user') {
    throw new MeshError(
      'Forbidden',
      `${what} needs admin rights: user ${identity.name} is not in group ${adminGroup}`,
    );
  }
  const hint = localhostIsAdmin
    ? `send a user token of group ${adminGroup} (zmctl --token-file), or send the request from the control plane host`
    : `send a user token of group ${adminGroup} (zmctl --token-file)`;
  throw new MeshError('Unauthenticated', `${what} needs admin rights: ${hint}`);
}

/**
 * Wraps a router so that every matched request is authenticated before its handler runs. The
 * handler then reads the caller with {@link identityOf}.
 */
export function authenticatedRouter(
  inner: Router,
  options: { readonly tokens: TokenAuthority; readonly localhostIsAdmin: boolean },
): Router {
  const authenticate = async (request: HttpRequest): Promise<ApiIdentity> => {
    const header = request.headers.authorization;
    const token = bearerToken(header);
    if (header !== undefined && token === undefined) {
      throw new MeshError('Unauthenticated', 'the Authorization header must be "Bearer <token>"');
    }
    if (token === undefined) {
      return options.localhostIsAdmin && isLoopback(request.remoteAddress)
        ? { kind: 'localhost-admin' }
        : anonymous;
    }
    const claims = await options.tokens.verify(token);
    if (claims.kind !== 'user') {
      throw new MeshError(
        'Unauthenticated',
        `a ${claims.kind} token is for proxies; the API takes user tokens`,
      );
    }
    return { kind: 'user', name: claims.name, groups: claims.groups, tokenId: claims.jti };
  };
  const router: Router = {
    get: (pattern, handler) => router.add('GET', pattern, handler),
    put: (pattern, handler) => router.add('PUT', pattern, handler),
    post: (pattern, handler) => router.add('POST', pattern, handler),
    delete: (pattern, handler) => router.add('DELETE', pattern, handler),
    add(method, pattern, handler) {
      inner.add(method, pattern, handler);
      return router;
    },
    match(method, path) {
      const found = inner.match(method, path);
      if (found.kind !== 'found') return found;
      return {
        ...found,
        handler: async (request) => {
          identities.set(request, await authenticate(request));
          return found.handler(request);
        },
      };
    },
  };
  return router;
}
