/**
 * The token format (docs/adr/0006-token-format.md): a JSON Web Token (RFC 7519, compact form)
 * signed with Ed25519 (`alg: EdDSA`, RFC 8037), the signing key named by `kid`. Dataplane, zone
 * and user tokens share it and differ by the `kind` claim. Parsing is defensive: the text comes
 * from the network, so its size is capped before anything is decoded and every part is
 * schema-checked; any failure is one `Unauthenticated` error saying what is wrong, never the
 * token itself.
 */
import { type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { MeshError } from '@zonemesh/api';
import * as z from 'zod';

/** No token zonemesh issues comes near this; anything longer is refused before decoding. */
export const maxTokenBytes = 8 * 1024;

/** The token kinds, by who presents them. */
export const tokenKinds = ['dataplane', 'zone', 'user'] as const;

/** One of {@link tokenKinds}. */
export type TokenKind = (typeof tokenKinds)[number];

/** What a zone token may be used for (Kuma's `--scope`). */
export const zoneTokenScopes = ['ingress'] as const;

const TagValuesSchema = z.record(z.string().min(1).max(253), z.array(z.string().min(1).max(253)).min(1));

const CommonClaims = {
  /** The control plane that signed it: `global` or `zone:<name>`. */
  iss: z.string().min(1).max(80),
  /** Random id (32 hex digits), what revocations name. */
  jti: z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 hex digits'),
  /** Seconds since the epoch (RFC 7519 NumericDate). */
  iat: z.int().nonnegative(),
  nbf: z.int().nonnegative(),
  exp: z.int().nonnegative(),
};

/** A dataplane token: one proxy's identity in a mesh, optionally limited to tag values. */
export const DataplaneTokenClaimsSchema = z.object({
  ...CommonClaims,
  kind: z.literal('dataplane'),
  mesh: z.string().min(1).max(253),
  name: z.string().min(1).max(253),
  /** When present, every inbound must carry each of these tags with one of the listed values. */
  tags: TagValuesSchema.optional(),
});

/** A zone token: a zone's ingress (scope `ingress`) proving it belongs to zone `zone`. */
export const ZoneTokenClaimsSchema = z.object({
  ...CommonClaims,
  kind: z.literal('zone'),
  zone: z.string().min(1).max(63),
  scope: z.array(z.enum(zoneTokenScopes)).min(1),
});

/** A user token for the REST API: a name and groups (`mesh-system:admin` may write). */
export const UserTokenClaimsSchema = z.object({
  ...CommonClaims,
  kind: z.literal('user'),
  name: z.string().min(1).max(253),
  groups: z.array(z.string().min(1).max(253)).max(64),
});

/** Any token's claims. */
export const TokenClaimsSchema = z.discriminatedUnion('kind', [
  DataplaneTokenClaimsSchema,
  ZoneTokenClaimsSchema,
  UserTokenClaimsSchema,
]);

export type DataplaneTokenClaims = z.infer<typeof DataplaneTokenClaimsSchema>;
export type ZoneTokenClaims = z.infer<typeof ZoneTokenClaimsSchema>;
export type UserTokenClaims = z.infer<typeof UserTokenClaimsSchema>;
export type TokenClaims = z.infer<typeof TokenClaimsSchema>;

const HeaderSchema = z.object({
  alg: z.literal('EdDSA'),
  typ: z.literal('JWT').optional(),
  kid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a key id'),
});

/** A token split and decoded, not yet verified. */
export interface ParsedToken {
  readonly kid: string;
  readonly claims: TokenClaims;
  /** `header.payload`, the bytes the signature covers. */
  readonly signingInput: string;
  readonly signature: Buffer;
}

/** A fresh token id: 128 random bits as 32 hex digits. */
export function newTokenId(): string {
  return randomBytes(16).toString('hex');
}

/** Signs claims with an Ed25519 private key; returns the compact JWT. */
export function encodeToken(claims: TokenClaims, kid: string, privateKey: KeyObject): string {
  const header = base64url(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid }));
  const payload = base64url(JSON.stringify(claims));
  const signingInput = `${header}.${payload}`;
  const signature = sign(null, Buffer.from(signingInput), privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

/**
 * Splits and decodes a token without checking its signature. Throws `Unauthenticated` ("the
 * token is malformed: ...") for anything that is not a zonemesh token.
 */
export function parseToken(text: string): ParsedToken {
  if (Buffer.byteLength(text) > maxTokenBytes) throw malformed(`longer than ${maxTokenBytes} bytes`);
  const parts = text.split('.');
  if (parts.length !== 3) throw malformed('not three dot-separated parts');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  for (const part of parts) {
    if (!/^[A-Za-z0-9_-]+$/.test(part)) throw malformed('a part is not base64url');
  }
  const header = HeaderSchema.safeParse(decodeJson(headerPart));
  if (!header.success) throw malformed(issueText('header', header.error));
  const claims = TokenClaimsSchema.safeParse(decodeJson(payloadPart));
  if (!claims.success) throw malformed(issueText('claims', claims.error));
  const signature = Buffer.from(signaturePart, 'base64url');
  if (signature.length !== 64) throw malformed('the signature is not an Ed25519 signature');
  return {
    kid: header.data.kid,
    claims: claims.data,
    signingInput: `${headerPart}.${payloadPart}`,
    signature,
  };
}

/** Whether the signature of a parsed token was made by `publicKey`'s private key. */
export function hasValidSignature(token: ParsedToken, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(token.signingInput), publicKey, token.signature);
  } catch {
    return false;
  }
}

/**
 * Reads the claims of a token without verifying it, for display (`zmctl token inspect`) and for
 * revoking a token by its file. Undefined when it is not a zonemesh token.
 */
export function peekClaims(text: string): TokenClaims | undefined {
  try {
    return parseToken(text.trim()).claims;
  } catch {
    return undefined;
  }
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function issueText(part: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const path = [part, ...(issue?.path ?? []).map(String)].join('.');
  return `${path}: ${issue?.message ?? 'invalid'}`;
}

function malformed(why: string): MeshError {
  return new MeshError('Unauthenticated', `the token is malformed: ${why}`);
}
