/**
 * Certificate signing requests: the only thing that travels when a zone or a proxy asks for a
 * certificate. The private key stays where `createCsr` ran.
 */
import {
  crypto,
  ecdsaP256,
  exportPrivateKeyPem,
  generateKeyPair,
  importKeyPair,
  invalid,
  isP256,
  maxPemBytes,
  x509,
} from './x509-engine.js';

/** A CSR and the private key it was made with (the key never leaves the caller's host). */
export interface CsrWithKey {
  readonly csrPem: string;
  readonly keyPem: string;
}

/** Options of {@link createCsr}. */
export interface CsrOptions {
  /** Subject common name; informative only, signers set the subject themselves. */
  readonly commonName?: string;
  /** Reuse this PKCS#8 PEM P-256 key instead of making a new one (default: a new key). */
  readonly keyPem?: string;
}

/**
 * Makes a PKCS#10 CSR signed with a new (or the given) P-256 key. Used by a zone CP for its
 * intermediate CA and by a proxy for its workload certificate. Throws `InvalidInput` for a bad
 * `keyPem`.
 */
export async function createCsr(options: CsrOptions = {}): Promise<CsrWithKey> {
  const keys =
    options.keyPem === undefined ? await generateKeyPair() : await importKeyPair(options.keyPem, 'keyPem');
  const commonName = options.commonName ?? 'zonemesh';
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    { name: [{ CN: [commonName] }], keys, signingAlgorithm: ecdsaP256 },
    crypto,
  );
  return {
    csrPem: csr.toString('pem'),
    keyPem: options.keyPem ?? (await exportPrivateKeyPem(keys.privateKey)),
  };
}

/**
 * Parses a CSR received from the network and checks it: PEM PKCS#10, at most 16 KiB, a P-256
 * public key, and a valid self-signature (proof that the sender holds the key). Throws
 * `InvalidInput` with field `csr` otherwise. Only the public key is used by signers; the
 * requested subject and extensions are ignored.
 */
export async function readCsr(csrPem: string): Promise<x509.Pkcs10CertificateRequest> {
  if (typeof csrPem !== 'string' || csrPem.length === 0) throw invalid('csr', 'must be a PEM string');
  if (csrPem.length > maxPemBytes) throw invalid('csr', `must be at most ${maxPemBytes} bytes`);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw invalid('csr', 'must be a PEM PKCS#10 certificate request', err);
  }
  if (!isP256(csr.publicKey)) throw invalid('csr', 'must carry an ECDSA P-256 public key');
  let signed = false;
  try {
    signed = await csr.verify(crypto);
  } catch (err) {
    throw invalid('csr', 'has a signature that cannot be checked', err);
  }
  if (!signed) throw invalid('csr', 'has a signature that does not match its public key');
  return csr;
}
