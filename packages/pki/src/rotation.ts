/** When to replace a certificate: well before it expires, so a failed renewal can be retried. */
import { X509Certificate as NodeCertificate } from 'node:crypto';
import { invalid } from './x509-engine.js';

/** A certificate's validity window. */
export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Share of the lifetime after which a certificate is renewed: 0.8, as SPIRE and Istio do. */
export const defaultRotationFraction = 0.8;

/** The validity window of a PEM certificate. Throws `InvalidInput` when it does not parse. */
export function validityOf(certPem: string): Validity {
  let cert: NodeCertificate;
  try {
    cert = new NodeCertificate(certPem);
  } catch (err) {
    throw invalid('certPem', 'must be a PEM X.509 certificate', err);
  }
  return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}

/**
 * The instant at which to renew: `notBefore + fraction * lifetime`. Callers schedule a timer for
 * it. Throws `InvalidInput` unless 0 < fraction < 1.
 */
export function rotationTime(cert: string | Validity, fraction = defaultRotationFraction): Date {
  if (!(fraction > 0 && fraction < 1)) throw invalid('fraction', 'must be between 0 and 1, exclusive');
  const { notBefore, notAfter } = typeof cert === 'string' ? validityOf(cert) : cert;
  const start = notBefore.getTime();
  return new Date(start + Math.floor((notAfter.getTime() - start) * fraction));
}

/**
 * True when the certificate should be replaced at `now`: past {@link rotationTime}, expired, or
 * not yet valid (a clock moved back). Idempotent and pure.
 */
export function shouldRotate(
  cert: string | Validity,
  now: Date = new Date(),
  fraction = defaultRotationFraction,
): boolean {
  const validity = typeof cert === 'string' ? validityOf(cert) : cert;
  if (now < validity.notBefore) return true;
  return now >= rotationTime(validity, fraction);
}
