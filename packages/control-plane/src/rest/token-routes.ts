/**
 * Token endpoints (Kuma's paths where Kuma has them), all for admins only:
 * - `POST /tokens/dataplane` `{mesh, name, tags?, validFor?}`, `POST /tokens/zone`
 *   `{zone, scope, validFor?}`, `POST /tokens/user` `{name, groups, validFor}`: answer the bare
 *   token as `text/plain` (what `zmctl generate ...` prints). A zone control plane issues zone
 *   tokens for its own zone only.
 * - `GET /tokens/revocations`, `POST /tokens/revocations` `{id}`: revoked token ids; on global a
 *   revocation reaches every zone (auth-exchange.ts).
 * - `GET /tokens/signing-keys` (ids and ages, never key material), `POST /tokens/signing-keys`
 *   (rotate: a new key signs from now on), `DELETE /tokens/signing-keys/{kid}` (every token that
 *   key signed stops working).
 * Issuing is logged with the token's id, kind and subject, never the token.
 */
import { MeshError, type FieldError } from '@zonemesh/api';
import { type HttpRequest, type HttpResponse, parseDuration, type Router } from '@zonemesh/runtime';
import * as z from 'zod';
import type { ControlPlaneAuth } from '../auth/setup-auth.js';
import type { TokenRequest } from '../auth/token-authority.js';
import { zoneTokenScopes } from '../auth/token-format.js';
import type { ApiDependencies } from './api-dependencies.js';
import { requireAdmin } from './api-access.js';

/** Validity of dataplane and zone tokens when the request does not say (capped by `--token-max-validity`). */
export const defaultProxyTokenValidityMs = 8_760 * 3_600_000;

const nameRule = z.string().min(1, 'must not be empty').max(253, 'must be at most 253 characters');
const ValidForSchema = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration like 30m, 24h or 8760h` });
    return z.NEVER;
  }
  return ms;
});

const DataplaneTokenRequestSchema = z.strictObject({
  mesh: nameRule.default('default'),
  name: nameRule,
  tags: z.record(nameRule, z.array(nameRule).min(1, 'must list at least one value')).optional(),
  validFor: ValidForSchema.optional(),
});

const ZoneTokenRequestSchema = z.strictObject({
  zone: nameRule,
  scope: z.array(z.enum(zoneTokenScopes, { error: `must be one of: ${zoneTokenScopes.join(', ')}` })).min(1),
  validFor: ValidForSchema.optional(),
});

const UserTokenRequestSchema = z.strictObject({
  name: nameRule,
  groups: z.array(nameRule).max(64).default([]),
  validFor: ValidForSchema,
});

const RevokeRequestSchema = z.strictObject({ id: z.string() });

/** Registers the token routes. */
export function addTokenRoutes(router: Router, deps: ApiDependencies, auth: ControlPlaneAuth): void {
  const { config } = deps;
  const admin = (req: HttpRequest, what: string): void => requireAdmin(req, what, config.apiLocalhostIsAdmin);
  const proxyValidity = (validFor: number | undefined): number =>
    validFor ?? Math.min(defaultProxyTokenValidityMs, auth.tokens.maxValidityMs);

  const issue = async (request: TokenRequest, subject: Record<string, unknown>): Promise<HttpResponse> => {
    const { token, claims } = await auth.tokens.issue(request);
    auth.log.info(
      { kind: claims.kind, id: claims.jti, ...subject, expires: new Date(claims.exp * 1000).toISOString() },
      'token issued',
    );
    return { body: token, contentType: 'text/plain; charset=utf-8' };
  };

  router
    .post('/tokens/dataplane', async (req) => {
      admin(req, 'generating a dataplane token');
      const body = parse(DataplaneTokenRequestSchema, await req.body());
      return issue(
        {
          kind: 'dataplane',
          mesh: body.mesh,
          name: body.name,
          ...(body.tags === undefined ? {} : { tags: body.tags }),
          validForMs: proxyValidity(body.validFor),
        },
        { mesh: body.mesh, name: body.name },
      );
    })
    .post('/tokens/zone', async (req) => {
      admin(req, 'generating a zone token');
      const body = parse(ZoneTokenRequestSchema, await req.body());
      if (config.mode === 'zone' && body.zone !== config.zone && config.zone !== undefined) {
        throw new MeshError('InvalidInput', `this control plane is zone ${config.zone}`, {
          causes: [
            {
              field: 'zone',
              message: `a zone control plane issues tokens for its own zone (${config.zone}); ask global or zone ${body.zone}'s control plane`,
            },
          ],
        });
      }
      return issue(
        { kind: 'zone', zone: body.zone, scope: body.scope, validForMs: proxyValidity(body.validFor) },
        { zone: body.zone, scope: body.scope },
      );
    })
    .post('/tokens/user', async (req) => {
      admin(req, 'generating a user token');
      const body = parse(UserTokenRequestSchema, await req.body());
      return issue(
        { kind: 'user', name: body.name, groups: body.groups, validForMs: body.validFor },
        { name: body.name, groups: body.groups },
      );
    })
    .get('/tokens/revocations', async (req) => {
      admin(req, 'listing revoked tokens');
      const items = await auth.revocations.list();
      return { body: { total: items.length, items, next: null } };
    })
    .post('/tokens/revocations', async (req) => {
      admin(req, 'revoking a token');
      const body = parse(RevokeRequestSchema, await req.body());
      const added = await auth.revocations.revoke(body.id.trim());
      auth.log.info({ id: body.id, already: !added }, 'token revoked');
      return { body: { id: body.id, revoked: true, already: !added } };
    })
    .get('/tokens/signing-keys', async (req) => {
      admin(req, 'listing signing keys');
      const items = (await auth.keys.list()).map(({ kid, createdAt, active }) => ({
        kid,
        createdAt,
        active,
      }));
      return { body: { total: items.length, items, next: null } };
    })
    .post('/tokens/signing-keys', async (req) => {
      admin(req, 'rotating the signing key');
      const { kid, createdAt, active } = await auth.keys.rotate();
      auth.log.info({ kid }, 'token signing key rotated');
      return { status: 201, body: { kid, createdAt, active } };
    })
    .delete('/tokens/signing-keys/:kid', async (req) => {
      admin(req, 'removing a signing key');
      const kid = req.params.kid ?? '';
      await auth.keys.remove(kid);
      auth.log.warn({ kid }, 'token signing key removed: every token it signed is refused from now on');
      return { body: {} };
    });
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const causes: FieldError[] = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(body)',
    message:
      issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
  throw new MeshError('InvalidInput', 'the token request is invalid', { causes });
}
