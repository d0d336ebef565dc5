/**
 * Workload certificates: a proxy sends its zone CP a CSR; the zone intermediate signs it with the
 * proxy's identity as URI SANs.
 */
import { readCsr } from './csr.js';
import type { IssuedCertificate } from './intermediate-ca.js';
import { loadIssuer } from './issuer.js';
import { backdate, checkLifetime } from './root-ca.js';
import { checkName, checkTag, kumaTagUri, serviceTag, spiffeId } from './spiffe-id.js';
import { crypto, ecdsaP256, invalid, parseCertificate, randomSerial, x509 } from './x509-engine.js';

/** The signing zone CA: its certificate (optionally followed by its own chain) and key. */
export interface IssuingCa {
  /** The intermediate's certificate, PEM; further certificates after it (not the root) are copied into `chainPem`. */
  readonly certPem: string;
  readonly keyPem: string;
}

/** Options of {@link signWorkload}. */
export interface WorkloadOptions {
  readonly mesh: string;
  /** The tags of each inbound of the proxy; each needs `kuma.io/service`. The SANs cover their union. */
  readonly inboundTags: readonly Readonly<Record<string, string>>[];
  /** Milliseconds the certificate is valid; default 24 hours; never past the issuer's expiry. */
  readonly lifetime?: number;
  readonly now?: Date;
}

/** A signed workload certificate and the identity it carries. */
export interface WorkloadCertificate extends IssuedCertificate {
  readonly uris: readonly string[];
}

/** Default workload certificate lifetime: 24 hours. */
export const defaultWorkloadLifetime = 24 * 3600 * 1000;

/**
 * The URI SANs of a workload: `spiffe://<mesh>/<service>` for each service, then
 * `kuma://<tag>/<value>` for every tag value of every inbound (services included), sorted and
 * without duplicates. Throws `InvalidInput` for a missing service or a tag that cannot be a URI.
 */
export function workloadUris(mesh: string, inboundTags: WorkloadOptions['inboundTags']): string[] {
  checkName('mesh', mesh);
  if (inboundTags.length === 0) throw invalid('inboundTags', 'must list at least one inbound');
  const services = new Set<string>();
  const tagUris = new Set<string>();
  inboundTags.forEach((tags, i) => {
    const field = `inboundTags[${i}]`;
    const service = tags[serviceTag];
    if (service === undefined) throw invalid(field, `must have the tag ${serviceTag}`);
    for (const [name, value] of Object.entries(tags)) {
      checkTag(field, name, value);
      tagUris.add(kumaTagUri(name, value));
    }
    services.add(service);
  });
  return [...[...services].sort().map((service) => spiffeId(mesh, service)), ...[...tagUris].sort()];
}

/**
 * Signs a proxy's CSR with the zone intermediate: CA:false, digitalSignature, serverAuth and
 * clientAuth (the same certificate serves inbound TLS and originates outbound mTLS), and the
 * {@link workloadUris} as SANs. `chainPem` is the leaf followed by the intermediate, ready for
 * `tls` `cert`. Throws `InvalidInput` for a bad CSR, tags, lifetime or an issuer of another mesh.
 */
export async function signWorkload(
  issuerCa: IssuingCa,
  csrPem: string,
  options: WorkloadOptions,
): Promise<WorkloadCertificate> {
  const uris = workloadUris(options.mesh, options.inboundTags);
  const lifetime = options.lifetime ?? defaultWorkloadLifetime;
  checkLifetime('lifetime', lifetime);
  const issuer = await loadIssuer(issuerCa, options.mesh, 'issuer');
  const csr = await readCsr(csrPem);
  const now = options.now ?? new Date();
  const notBefore = new Date(Math.max(now.getTime() - backdate, issuer.cert.notBefore.getTime()));
  const notAfter = new Date(Math.min(now.getTime() + lifetime, issuer.cert.notAfter.getTime()));
  if (notAfter <= now) throw invalid('issuer.certPem', 'has expired');
  const serialNumber = randomSerial();
  const firstService = options.inboundTags[0]?.[serviceTag] ?? '';
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber,
      subject: [{ O: ['zonemesh'] }, { OU: [options.mesh] }, { CN: [firstService] }],
      issuer: issuer.cert.subjectName,
      notBefore,
      notAfter,
      signingAlgorithm: ecdsaP256,
      publicKey: csr.publicKey,
      signingKey: issuer.signingKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
        await x509.SubjectKeyIdentifierExtension.create(csr.publicKey, false, crypto),
        ...(issuer.keyId === undefined ? [] : [new x509.AuthorityKeyIdentifierExtension(issuer.keyId)]),
        new x509.SubjectAlternativeNameExtension(uris.map((value) => ({ type: 'url' as const, value }))),
      ],
    },
    crypto,
  );
  const certPem = cert.toString('pem');
  const issuerChain = splitPem(issuerCa.certPem).join('\n');
  return {
    certPem,
    chainPem: `${certPem}\n${issuerChain}\n`,
    serialNumber,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    uris,
  };
}

/** The PEM certificates in a bundle, each checked to parse. */
export function splitPem(bundle: string): string[] {
  const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  blocks.forEach((block, i) => parseCertificate(block, `certPem[${i}]`));
  return blocks;
}
