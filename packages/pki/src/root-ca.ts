/** The mesh root CA: self-signed, held by the global control plane only. */
import { checkName, trustDomainUri } from './spiffe-id.js';
import {
  crypto,
  ecdsaP256,
  exportPrivateKeyPem,
  generateKeyPair,
  invalid,
  randomSerial,
  x509,
} from './x509-engine.js';

/** A certificate with its private key, both PEM (key in PKCS#8). */
export interface CertifiedKey {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A mesh's root CA. */
export interface RootCa extends CertifiedKey {
  readonly mesh: string;
}

/** Options of {@link createRootCa}. */
export interface RootCaOptions {
  readonly mesh: string;
  /** Milliseconds the root is valid; default 10 years (Kuma's builtin CA default). */
  readonly lifetime?: number;
  /** Issue time; default now. Tests pass a fixed clock. */
  readonly now?: Date;
}

/** Default root lifetime: 10 years. */
export const defaultRootLifetime = 10 * 365 * 24 * 3600 * 1000;

/** Certificates start this much before their issue time, to tolerate clock skew between hosts. */
export const backdate = 5 * 60 * 1000;

/**
 * Creates a mesh root CA: a fresh P-256 key and a self-signed certificate with CA:true,
 * pathLen 1 (root -> zone intermediate -> workload), keyCertSign|cRLSign, and the SAN
 * `spiffe://<mesh>`. Not idempotent: every call makes a new key. Throws `InvalidInput` for a bad
 * mesh name or lifetime.
 */
export async function createRootCa(options: RootCaOptions): Promise<RootCa> {
  checkName('mesh', options.mesh);
  const lifetime = options.lifetime ?? defaultRootLifetime;
  checkLifetime('lifetime', lifetime);
  const now = options.now ?? new Date();
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: [{ O: ['zonemesh'] }, { OU: [options.mesh] }, { CN: [`${options.mesh} root CA`] }],
      notBefore: new Date(now.getTime() - backdate),
      notAfter: new Date(now.getTime() + lifetime),
      signingAlgorithm: ecdsaP256,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 1, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: trustDomainUri(options.mesh) }]),
      ],
    },
    crypto,
  );
  return {
    mesh: options.mesh,
    certPem: cert.toString('pem'),
    keyPem: await exportPrivateKeyPem(keys.privateKey),
  };
}

/** Throws `InvalidInput` unless `lifetime` is a positive whole number of milliseconds. */
export function checkLifetime(field: string, lifetime: number): void {
  if (!Number.isSafeInteger(lifetime) || lifetime <= 0)
    throw invalid(field, 'must be a positive number of milliseconds');
}
