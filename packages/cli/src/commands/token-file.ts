/**
 * Reading a token file for `zmctl inspect token` and `zmctl revoke token -f`: the claims of a
 * zonemesh token are base64url JSON (docs/adr/0006-token-format.md), readable without the key.
 * Nothing here verifies a signature; only the control plane can.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../command.js';
import type { CliIo } from '../command.js';

/** The claims of a token, as the token says (unverified). */
export type UnverifiedClaims = Readonly<Record<string, unknown>>;

/** Reads a token from FILE (`-`: stdin) and decodes its claims; a usage error when it is not a token. */
export async function readTokenClaims(file: string, io: CliIo): Promise<UnverifiedClaims> {
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const parts = text.trim().split('.');
  let claims: unknown;
  try {
    claims =
      parts.length === 3 ? JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) : undefined;
  } catch {
    claims = undefined;
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims) || !('jti' in claims)) {
    throw new UsageError(`${file} does not hold a zonemesh token`);
  }
  return claims as UnverifiedClaims;
}
