/**
 * @zonemesh/pki — the mesh's certificates. Global holds each mesh's root CA; each zone CP holds an
 * intermediate CA whose key it made (only its CSR travels); proxies get 24-hour workload
 * certificates from their CSRs, with `spiffe://<mesh>/<service>` and `kuma://<tag>/<value>` SANs.
 * ECDSA P-256 throughout. No private key ever crosses the network.
 */
export { createRootCa, defaultRootLifetime } from './root-ca.js';
export { createCsr, readCsr } from './csr.js';
export { defaultIntermediateLifetime, signIntermediate } from './intermediate-ca.js';
export { defaultWorkloadLifetime, signWorkload, splitPem, workloadUris } from './workload-certificate.js';
export { identityOf } from './identity.js';
export { defaultRotationFraction, rotationTime, shouldRotate, validityOf } from './rotation.js';
export { verifyChain } from './chain.js';
export { kumaTagUri, serviceTag, spiffeId, trustDomainUri } from './spiffe-id.js';
export type { CertifiedKey, RootCa, RootCaOptions } from './root-ca.js';
export type { CsrOptions, CsrWithKey } from './csr.js';
export type { IntermediateOptions, IssuedCertificate } from './intermediate-ca.js';
export type { IssuingCa, WorkloadCertificate, WorkloadOptions } from './workload-certificate.js';
export type { MeshIdentity, PeerCertificateInput } from './identity.js';
export type { Validity } from './rotation.js';
