/**
 * Zone intermediate CAs: the zone CP makes its key and a CSR ({@link createCsr}); global signs
 * the CSR with the mesh root. Only the CSR and the certificate travel.
 */
import { readCsr } from './csr.js';
import { loadIssuer } from './issuer.js';
import { backdate, checkLifetime, type CertifiedKey } from './root-ca.js';
import { checkName } from './spiffe-id.js';
import { crypto, ecdsaP256, invalid, randomSerial, x509 } from './x509-engine.js';

/** A certificate signed by a zonemesh CA. */
export interface IssuedCertificate {
  /** The new certificate alone (PEM). */
  readonly certPem: string;
  /** The new certificate followed by the intermediates up to (not including) the root: what a TLS peer presents. */
  readonly chainPem: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Options of {@link signIntermediate}. */
export interface IntermediateOptions {
  readonly zone: string;
  readonly mesh: string;
  /** Milliseconds the intermediate is valid; default 1 year; never past the root's own expiry. */
  readonly lifetime?: number;
  readonly now?: Date;
}

/** Default zone intermediate lifetime: 1 year. */
export const defaultIntermediateLifetime = 365 * 24 * 3600 * 1000;

/**
 * Signs a zone's CSR with the mesh root, making the zone's intermediate CA: CA:true with
 * pathLen 0 (it signs workloads only), keyCertSign|cRLSign, subject `CN=<zone> intermediate CA,
 * OU=<mesh>`, key identifiers linking it to the root. Pure apart from randomness: the root key
 * is used, never stored. Throws `InvalidInput` for a bad CSR, names, lifetime, or a root of
 * another mesh.
 */
export async function signIntermediate(
  root: CertifiedKey,
  csrPem: string,
  options: IntermediateOptions,
): Promise<IssuedCertificate> {
  checkName('zone', options.zone);
  checkName('mesh', options.mesh);
  const lifetime = options.lifetime ?? defaultIntermediateLifetime;
  checkLifetime('lifetime', lifetime);
  const issuer = await loadIssuer(root, options.mesh, 'root');
  if (issuer.pathLength !== undefined && issuer.pathLength < 1) {
    throw invalid('root.certPem', 'has pathLen 0 and cannot sign an intermediate CA');
  }
  const csr = await readCsr(csrPem);
  const now = options.now ?? new Date();
  const notBefore = new Date(Math.max(now.getTime() - backdate, issuer.cert.notBefore.getTime()));
  const notAfter = new Date(Math.min(now.getTime() + lifetime, issuer.cert.notAfter.getTime()));
  if (notAfter <= now) throw invalid('root.certPem', 'has expired');
  const serialNumber = randomSerial();
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber,
      subject: [{ O: ['zonemesh'] }, { OU: [options.mesh] }, { CN: [`${options.zone} intermediate CA`] }],
      issuer: issuer.cert.subjectName,
      notBefore,
      notAfter,
      signingAlgorithm: ecdsaP256,
      publicKey: csr.publicKey,
      signingKey: issuer.signingKey,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(csr.publicKey, false, crypto),
        ...(issuer.keyId === undefined ? [] : [new x509.AuthorityKeyIdentifierExtension(issuer.keyId)]),
      ],
    },
    crypto,
  );
  const certPem = cert.toString('pem');
  return { certPem, chainPem: certPem, serialNumber, notBefore: cert.notBefore, notAfter: cert.notAfter };
}
