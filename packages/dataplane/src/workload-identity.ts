/**
 * The sidecar's workload certificate: its private key is made here and never leaves the process;
 * only CSRs travel. Holds the current certificate and the mesh roots to trust, asks for a
 * certificate when the mesh has mTLS and none is held, and renews before expiry (at 80% of the
 * lifetime, retrying with backoff until it succeeds).
 */
import type { CertificateResponse } from '@zonemesh/api';
import { createCsr, rotationTime, splitPem, validityOf } from '@zonemesh/pki';
import type { MtlsIdentity } from '@zonemesh/proxy';
import type { Logger } from '@zonemesh/runtime';

/** See the module comment. */
export interface WorkloadIdentity {
  /**
   * A CSR to send with a registration when a certificate is needed (none held, or due for
   * renewal); undefined otherwise. The key it was made with waits for {@link acceptIssued}.
   */
  csrForRegistration(): Promise<string | undefined>;
  /** A certificate issued for the last CSR handed out. */
  acceptIssued(certificate: CertificateResponse): void;
  /**
   * The mesh's mTLS settings from a config: with mTLS on and no certificate held, one is asked
   * for (in the background, retried); `rootsPem` replaces the trust bundle.
   */
  setMtls(enabled: boolean, rootsPem: string | undefined): void;
  /** The current TLS material; undefined until a certificate and roots are held. */
  current(): MtlsIdentity | undefined;
  /** Called whenever {@link current} changes (issued, renewed, new roots). */
  onChange(listener: (identity: MtlsIdentity) => void): void;
  /** Stops timers and pending requests. */
  close(): void;
}

/** Options of {@link createWorkloadIdentity}. */
export interface WorkloadIdentityOptions {
  /** `POST /v1/certificates` with a fresh CSR. */
  readonly request: (csrPem: string) => Promise<CertificateResponse>;
  readonly log: Logger;
  /** Retry delays for a failed request; default 1 s doubling to 30 s. */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

interface Held {
  readonly certPem: string;
  readonly keyPem: string;
  readonly chainPem: string;
  readonly notAfter: string;
  /** When to renew (ms since epoch). */
  readonly renewAt: number;
}

/** Makes the holder; it does nothing until told the mesh has mTLS or asked for a CSR. */
export function createWorkloadIdentity(options: WorkloadIdentityOptions): WorkloadIdentity {
  const { log } = options;
  const retryMinMs = options.retryMinMs ?? 1_000;
  const retryMaxMs = options.retryMaxMs ?? 30_000;
  const listeners: ((identity: MtlsIdentity) => void)[] = [];
  let held: Held | undefined;
  let pendingKey: string | undefined;
  let roots: string | undefined;
  let wanted = false;
  let closed = false;
  let requesting = false;
  let timer: NodeJS.Timeout | undefined;
  let retryMs = retryMinMs;

  const identity = (): MtlsIdentity | undefined =>
    held === undefined || roots === undefined
      ? undefined
      : { certChainPem: held.chainPem, keyPem: held.keyPem, trustPem: roots };

  const changed = () => {
    const now = identity();
    if (now !== undefined) for (const listener of listeners) listener(now);
  };

  const needsCertificate = () => held === undefined || Date.now() >= held.renewAt;

  const schedule = () => {
    clearTimeout(timer);
    if (closed || !wanted) return;
    const at = held === undefined ? Date.now() : held.renewAt;
    timer = setTimeout(() => void renew(), Math.max(0, Math.min(at - Date.now(), 2_147_000_000)));
    timer.unref();
  };

  const renew = async (): Promise<void> => {
    if (closed || requesting || !wanted) return;
    if (!needsCertificate()) return schedule();
    requesting = true;
    try {
      const { csrPem, keyPem } = await createCsr({ commonName: 'zonemesh-dp' });
      const certificate = await options.request(csrPem);
      if (closed) return;
      const renewal = held !== undefined;
      adopt(certificate, keyPem);
      retryMs = retryMinMs;
      log.info({ notAfter: certificate.notAfter, renewal }, 'workload certificate received');
      requesting = false;
      schedule();
    } catch (err) {
      requesting = false;
      if (closed) return;
      log.warn({ err: (err as Error).message, retryMs }, 'cannot get a workload certificate; retrying');
      clearTimeout(timer);
      timer = setTimeout(() => void renew(), retryMs);
      timer.unref();
      retryMs = Math.min(retryMaxMs, retryMs * 2);
    }
  };

  const adopt = (certificate: CertificateResponse, keyPem: string) => {
    const rootSet = new Set(splitPem(certificate.rootsPem).map(normalize));
    const intermediates = splitPem(certificate.caChainPem).filter((pem) => !rootSet.has(normalize(pem)));
    held = {
      certPem: certificate.certPem,
      keyPem,
      chainPem: [certificate.certPem.trim(), ...intermediates].join('\n'),
      notAfter: certificate.notAfter,
      renewAt: renewalTime(certificate.certPem),
    };
    roots ??= certificate.rootsPem;
    changed();
  };

  return {
    async csrForRegistration() {
      if (!needsCertificate()) return undefined;
      const { csrPem, keyPem } = await createCsr({ commonName: 'zonemesh-dp' });
      pendingKey = keyPem;
      return csrPem;
    },
    acceptIssued(certificate) {
      if (pendingKey === undefined) return;
      adopt(certificate, pendingKey);
      pendingKey = undefined;
      wanted = true;
      schedule();
    },
    setMtls(enabled, rootsPem) {
      wanted = enabled;
      if (rootsPem !== undefined && rootsPem !== roots) {
        roots = rootsPem;
        changed();
      }
      if (enabled && !requesting) schedule();
      if (!enabled) clearTimeout(timer);
    },
    current: identity,
    onChange(listener) {
      listeners.push(listener);
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}

/**
 * 80% into the certificate's life as this sidecar sees it: counted from when it arrived rather
 * than from `notBefore`, which issuers backdate (5 min for clock skew). Counted from `notBefore`,
 * a short-lived certificate would be due for renewal on arrival, again and again.
 */
function renewalTime(certPem: string): number {
  const { notBefore, notAfter } = validityOf(certPem);
  const from = new Date(Math.max(notBefore.getTime(), Date.now()));
  return rotationTime({ notBefore: from, notAfter }).getTime();
}

function normalize(pem: string): string {
  return pem.replace(/\s+/g, '');
}
