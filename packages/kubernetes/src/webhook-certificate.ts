/**
 * The admission webhooks' TLS: the API server only calls webhooks over HTTPS and checks the
 * server certificate against the `caBundle` of the webhook configuration. Either the operator
 * provides the certificate (files, e.g. from cert-manager) or the control plane makes its own at
 * start: a self-signed CA (ECDSA P-256, 10 years) and a server certificate for the webhook
 * Service's DNS names, and writes the CA into the webhook configurations.
 */
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as x509 from '@peculiar/x509';
import { MeshError } from '@zonemesh/api';

/** A server certificate and key (PEM), and the CA (PEM) clients verify it with. */
export interface WebhookCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
}

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const tenYears = 10 * 365 * 24 * 3600 * 1000;

/** The DNS names of a Service as the API server calls it (`name.namespace.svc` and longer). */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

/** Makes a CA and a server certificate for `dnsNames` and `ipAddresses`. */
export async function createSelfSignedWebhookCertificate(options: {
  readonly dnsNames: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly now?: Date;
}): Promise<WebhookCertificate> {
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 5 * 60 * 1000);
  const notAfter = new Date(now.getTime() + tenYears);
  const caKeys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: 'O=zonemesh, CN=zonemesh webhook CA',
      notBefore,
      notAfter,
      signingAlgorithm: algorithm,
      keys: caKeys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  const serverKeys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const server = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: `CN=${options.dnsNames[0] ?? 'zonemesh-webhook'}`,
      issuer: ca.subject,
      notBefore,
      notAfter,
      signingAlgorithm: algorithm,
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension([
          ...options.dnsNames.map((value) => ({ type: 'dns' as const, value })),
          ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
        ]),
      ],
    },
    webcrypto,
  );
  const keyDer = await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey);
  return {
    certPem: server.toString('pem'),
    keyPem: x509.PemConverter.encode(keyDer, 'PRIVATE KEY'),
    caPem: ca.toString('pem'),
  };
}

/**
 * Reads a provided certificate, key and CA. Without a CA file the certificate itself is the
 * CA bundle (a self-signed one). Throws `InvalidInput` naming the file that cannot be read.
 */
export async function readWebhookCertificate(files: {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile?: string;
}): Promise<WebhookCertificate> {
  const read = async (field: string, file: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw new MeshError('InvalidInput', `cannot read ${file}: ${(err as Error).message}`, {
        causes: [{ field, message: `cannot read ${file}` }],
        cause: err,
      });
    }
  };
  const certPem = await read('webhookCertFile', files.certFile);
  const keyPem = await read('webhookKeyFile', files.keyFile);
  const caPem = files.caFile === undefined ? certPem : await read('webhookCaFile', files.caFile);
  return { certPem, keyPem, caPem };
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}
