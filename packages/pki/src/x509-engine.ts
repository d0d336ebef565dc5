/**
 * The one module that talks to `@peculiar/x509`: certificate and CSR encoding on top of Node's
 * WebCrypto. Every key is ECDSA P-256 and every signature ECDSA with SHA-256.
 *
 * `@peculiar/x509` resolves its classes through tsyringe, which needs the `Reflect.getMetadata`
 * polyfill before it loads; importing `reflect-metadata` first is why this module exists (it adds
 * functions to the global `Reflect`, nothing else). No I/O happens at import.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { MeshError } from '@zonemesh/api';

export { x509 };

/** A WebCrypto key (Node's type; this package compiles without the DOM library). */
export type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** The WebCrypto implementation handed to every `@peculiar/x509` call, so no global is set. */
export const crypto = webcrypto;

/** ECDSA over P-256 with SHA-256: key generation, import and signing parameters. */
export const ecdsaP256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A CSR or certificate from the network is refused above this size (a P-256 one is under 2 KiB). */
export const maxPemBytes = 16 * 1024;

/** Makes a fresh extractable P-256 key pair. */
export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ecdsaP256, true, ['sign', 'verify']);
}

/** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) of a private key; Node's `tls` reads it as is. */
export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/**
 * Imports a PKCS#8 PEM P-256 private key for signing. `field` names the input in the error.
 * Throws `InvalidInput` when the PEM is not a P-256 PKCS#8 key.
 */
export async function importSigningKey(pem: string, field: string): Promise<CryptoKey> {
  try {
    const der = x509.PemConverter.decodeFirst(pem);
    return await webcrypto.subtle.importKey('pkcs8', der, ecdsaP256, false, ['sign']);
  } catch (err) {
    throw invalid(field, 'must be a PKCS#8 PEM ECDSA P-256 private key', err);
  }
}

/**
 * Imports a PKCS#8 P-256 private key as extractable, so its public half can be derived (CSRs
 * need both halves; WebCrypto cannot derive a public key from a private one, JWK can).
 */
export async function importKeyPair(pem: string, field: string): Promise<CryptoKeyPair> {
  try {
    const der = x509.PemConverter.decodeFirst(pem);
    const privateKey = await webcrypto.subtle.importKey('pkcs8', der, ecdsaP256, true, ['sign']);
    const jwk = await webcrypto.subtle.exportKey('jwk', privateKey);
    const { d: _d, key_ops: _ops, ...publicJwk } = jwk;
    const publicKey = await webcrypto.subtle.importKey('jwk', publicJwk, ecdsaP256, true, ['verify']);
    return { privateKey, publicKey };
  } catch (err) {
    throw invalid(field, 'must be a PKCS#8 PEM ECDSA P-256 private key', err);
  }
}

/** Parses one PEM certificate; `field` names the input in the `InvalidInput` error. */
export function parseCertificate(pem: string, field: string): x509.X509Certificate {
  if (pem.length > maxPemBytes * 4) throw invalid(field, 'is too large to be a certificate');
  try {
    return new x509.X509Certificate(pem);
  } catch (err) {
    throw invalid(field, 'must be a PEM X.509 certificate', err);
  }
}

/** True when the public key is ECDSA P-256, the only key type zonemesh certifies. */
export function isP256(key: x509.PublicKey): boolean {
  const algorithm = key.algorithm as webcrypto.EcKeyAlgorithm;
  return algorithm.name === 'ECDSA' && algorithm.namedCurve === 'P-256';
}

/** A random positive 128-bit serial number in hex (RFC 5280: at most 20 octets, positive). */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

/** An `InvalidInput` MeshError about one field. */
export function invalid(field: string, message: string, cause?: unknown): MeshError {
  return new MeshError('InvalidInput', `${field} ${message}`, {
    causes: [{ field, message }],
    ...(cause === undefined ? {} : { cause }),
  });
}
