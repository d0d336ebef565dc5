/** What a signing CA (the mesh root, or a zone intermediate) must be before it signs anything. */
import { X509Certificate as NodeCertificate, createPrivateKey } from 'node:crypto';
import type { CertifiedKey } from './root-ca.js';
import { type CryptoKey, importSigningKey, invalid, parseCertificate, x509 } from './x509-engine.js';

/** A CA ready to sign: its parsed certificate, signing key, mesh and pathLen. */
export interface Issuer {
  readonly cert: x509.X509Certificate;
  readonly signingKey: CryptoKey;
  readonly mesh: string;
  /** pathLenConstraint of the CA; undefined when unlimited. */
  readonly pathLength: number | undefined;
  /** Subject key identifier (hex), copied into the authority key identifier of what it signs. */
  readonly keyId: string | undefined;
}

/**
 * Loads a CA from its PEM certificate (the first one in `certPem`) and PKCS#8 key. Checks that it
 * is a CA with keyCertSign, that the key belongs to the certificate, and that it is the mesh's
 * (subject OU = mesh). Throws `InvalidInput` naming `field` otherwise.
 */
export async function loadIssuer(ca: CertifiedKey, mesh: string, field: string): Promise<Issuer> {
  const cert = parseCertificate(ca.certPem, `${field}.certPem`);
  const basicConstraints = cert.getExtension(x509.BasicConstraintsExtension);
  if (basicConstraints === null || !basicConstraints.ca)
    throw invalid(`${field}.certPem`, 'is not a CA certificate');
  const usage = cert.getExtension(x509.KeyUsagesExtension);
  if (usage !== null && (usage.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    throw invalid(`${field}.certPem`, 'may not sign certificates (no keyCertSign)');
  }
  const certMesh = cert.subjectName.getField('OU')[0];
  if (certMesh !== mesh)
    throw invalid('mesh', `is "${mesh}" but the ${field} CA belongs to mesh "${certMesh ?? ''}"`);
  let matches = false;
  try {
    matches = new NodeCertificate(ca.certPem).checkPrivateKey(createPrivateKey(ca.keyPem));
  } catch (err) {
    throw invalid(`${field}.keyPem`, 'must be a PKCS#8 PEM ECDSA P-256 private key', err);
  }
  if (!matches) throw invalid(`${field}.keyPem`, 'is not the key of the CA certificate');
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  return {
    cert,
    signingKey: await importSigningKey(ca.keyPem, `${field}.keyPem`),
    mesh,
    pathLength: basicConstraints.pathLength,
    keyId: ski?.keyId,
  };
}
