/**
 * Offline chain verification, for a zone CP checking the intermediate it got from global and for
 * tests. TLS peers verify chains in OpenSSL; this does the same checks without a socket.
 */
import { X509Certificate as NodeCertificate } from 'node:crypto';
import { MeshError } from '@zonemesh/api';
import { splitPem } from './workload-certificate.js';

/**
 * Verifies that the first certificate of `chainPem` chains, through the others in order, to the
 * `rootPem` trust anchor: each is issued and signed by the next, every issuer is a CA, and all
 * are valid at `now`. Throws `Unauthenticated` naming the failing link. Pure.
 */
export function verifyChain(chainPem: string, rootPem: string, now: Date = new Date()): void {
  const chain = splitPem(chainPem).map((pem) => new NodeCertificate(pem));
  const root = new NodeCertificate(rootPem);
  if (chain.length === 0) throw new MeshError('Unauthenticated', 'chain has no certificate');
  const path = [...chain, root];
  path.forEach((cert, i) => {
    if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) {
      throw new MeshError(
        'Unauthenticated',
        `certificate ${i} (${cert.subject.replaceAll('\n', ', ')}) is not valid now`,
      );
    }
    const issuer = path[i + 1] ?? (i === path.length - 1 ? root : undefined);
    if (issuer === undefined) return;
    if (!issuer.ca) throw new MeshError('Unauthenticated', `certificate ${i + 1} is not a CA`);
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) {
      throw new MeshError('Unauthenticated', `certificate ${i} is not signed by certificate ${i + 1}`);
    }
  });
}
