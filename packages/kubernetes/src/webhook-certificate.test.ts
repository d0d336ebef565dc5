import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMeshError } from '@zonemesh/api';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createSelfSignedWebhookCertificate,
  readWebhookCertificate,
  serviceDnsNames,
} from './webhook-certificate.js';

const dir = mkdtempSync(join(tmpdir(), 'zonemesh-webhook-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('webhook certificates', () => {
  it('makes a CA and a server certificate for the Service names that the CA verifies', async () => {
    const made = await createSelfSignedWebhookCertificate({
      dnsNames: serviceDnsNames('zonemesh-control-plane', 'zonemesh-system'),
      ipAddresses: ['127.0.0.1'],
    });
    const server = new X509Certificate(made.certPem);
    const ca = new X509Certificate(made.caPem);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkHost('zonemesh-control-plane.zonemesh-system.svc')).toBe(
      'zonemesh-control-plane.zonemesh-system.svc',
    );
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
  });

  it('reads a provided certificate; without a CA file the certificate is its own bundle', async () => {
    const made = await createSelfSignedWebhookCertificate({ dnsNames: ['localhost'] });
    writeFileSync(join(dir, 'tls.crt'), made.certPem);
    writeFileSync(join(dir, 'tls.key'), made.keyPem);
    writeFileSync(join(dir, 'ca.crt'), made.caPem);
    expect(
      await readWebhookCertificate({
        certFile: join(dir, 'tls.crt'),
        keyFile: join(dir, 'tls.key'),
        caFile: join(dir, 'ca.crt'),
      }),
    ).toEqual(made);
    expect(
      (await readWebhookCertificate({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') })).caPem,
    ).toBe(made.certPem);
    const missing = await readWebhookCertificate({
      certFile: join(dir, 'nope.crt'),
      keyFile: join(dir, 'tls.key'),
    }).catch((err: unknown) => err);
    expect(isMeshError(missing, 'InvalidInput')).toBe(true);
    expect((missing as { causes: Array<{ field: string }> }).causes[0]?.field).toBe('webhookCertFile');
  });
});
