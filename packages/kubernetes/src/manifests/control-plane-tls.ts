/**
 * The control plane's TLS certificate as the installer makes it (`zmctl install control-plane`):
 * a fresh CA signs a server certificate for the control plane Service's DNS names, and the CA's
 * key is dropped, so nobody (the cluster included) can sign another certificate with that CA.
 * Not I/O, but random: every call makes a new CA, so an installer makes it once and keeps it.
 */
import { createSelfSignedWebhookCertificate } from '../webhook-certificate.js';
import { type ControlPlaneTlsCertificate, controlPlaneDnsNames } from './control-plane-manifests.js';

/** Makes the CA and the certificate of the control plane in `namespace` (valid ten years). */
export async function createControlPlaneTlsCertificate(
  namespace: string,
): Promise<ControlPlaneTlsCertificate> {
  const made = await createSelfSignedWebhookCertificate({
    dnsNames: [...controlPlaneDnsNames(namespace), 'localhost'],
    ipAddresses: ['127.0.0.1'],
  });
  return {
    caPem: `${made.caPem.trimEnd()}\n`,
    certPem: `${made.certPem.trimEnd()}\n`,
    keyPem: `${made.keyPem.trimEnd()}\n`,
  };
}
