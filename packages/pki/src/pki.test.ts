import { X509Certificate } from 'node:crypto';
import { isMeshError } from '@zonemesh/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCsr, readCsr } from './csr.js';
import { identityOf } from './identity.js';
import { signIntermediate } from './intermediate-ca.js';
import { createRootCa, type RootCa } from './root-ca.js';
import { verifyChain } from './chain.js';
import { signWorkload, workloadUris } from './workload-certificate.js';
import { crypto, x509 } from './x509-engine.js';

const hour = 3600 * 1000;

async function meshPki(mesh: string, zone = 'zone-1') {
  const root = await createRootCa({ mesh });
  const zoneCsr = await createCsr({ commonName: zone });
  const intermediate = await signIntermediate(root, zoneCsr.csrPem, { zone, mesh });
  return { root, issuer: { certPem: intermediate.certPem, keyPem: zoneCsr.keyPem }, intermediate };
}

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    if (isMeshError(err)) return { code: err.code, causes: err.causes, message: err.message };
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('root CA', () => {
  it('is a self-signed P-256 CA for two levels below it, named after its mesh', async () => {
    const root = await createRootCa({ mesh: 'default' });
    const cert = new X509Certificate(root.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.subjectAltName).toBe('URI:spiffe://default');
    const parsed = new x509.X509Certificate(root.certPem);
    expect(parsed.getExtension(x509.BasicConstraintsExtension)?.pathLength).toBe(1);
    expect(root.keyPem).toContain('BEGIN PRIVATE KEY');
  });

  it('refuses a bad mesh name and a non-positive lifetime, naming the field', async () => {
    expect((await rejection(createRootCa({ mesh: 'Bad Mesh' }))).causes[0]?.field).toBe('mesh');
    expect((await rejection(createRootCa({ mesh: 'm', lifetime: 0 }))).causes[0]?.field).toBe('lifetime');
  });
});

describe('zone intermediate CA', () => {
  let root: RootCa;
  beforeAll(async () => {
    root = await createRootCa({ mesh: 'default' });
  });

  it('is signed from the zone CSR with pathLen 0 and chains to the root', async () => {
    const csr = await createCsr({ commonName: 'zone-1' });
    const issued = await signIntermediate(root, csr.csrPem, { zone: 'zone-1', mesh: 'default' });
    const cert = new x509.X509Certificate(issued.certPem);
    expect(cert.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(true);
    expect(cert.getExtension(x509.BasicConstraintsExtension)?.pathLength).toBe(0);
    expect(cert.subject).toContain('CN=zone-1 intermediate CA');
    expect(new X509Certificate(issued.certPem).checkPrivateKey(await privateKey(csr.keyPem))).toBe(true);
    expect(() => verifyChain(issued.chainPem, root.certPem)).not.toThrow();
  });

  it('never outlives the root', async () => {
    const shortRoot = await createRootCa({ mesh: 'default', lifetime: 2 * hour });
    const csr = await createCsr();
    const issued = await signIntermediate(shortRoot, csr.csrPem, {
      zone: 'z',
      mesh: 'default',
      lifetime: 100 * hour,
    });
    expect(issued.notAfter.getTime()).toBe(new x509.X509Certificate(shortRoot.certPem).notAfter.getTime());
  });

  it('refuses a root of another mesh, a tampered CSR, a non-P-256 key and a CA that may not sign CAs', async () => {
    const csr = await createCsr();
    expect(
      (await rejection(signIntermediate(root, csr.csrPem, { zone: 'z', mesh: 'other' }))).causes[0]?.field,
    ).toBe('mesh');

    const other = await createCsr();
    const tampered = new x509.Pkcs10CertificateRequest(csr.csrPem);
    const forged = swapPublicKey(tampered, new x509.Pkcs10CertificateRequest(other.csrPem));
    const forgedError = await rejection(signIntermediate(root, forged, { zone: 'z', mesh: 'default' }));
    expect(forgedError.causes[0]).toEqual({
      field: 'csr',
      message: 'has a signature that does not match its public key',
    });

    const p384 = { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
    const keys = await crypto.subtle.generateKey(p384, true, ['sign', 'verify']);
    const wrongCurve = await x509.Pkcs10CertificateRequestGenerator.create(
      { name: 'CN=x', keys, signingAlgorithm: p384 },
      crypto,
    );
    expect((await rejection(readCsr(wrongCurve.toString('pem')))).message).toContain('P-256');
    expect((await rejection(readCsr('not a csr'))).causes[0]?.field).toBe('csr');

    const zoneCsr = await createCsr();
    const intermediate = await signIntermediate(root, zoneCsr.csrPem, { zone: 'z', mesh: 'default' });
    const asRoot = { certPem: intermediate.certPem, keyPem: zoneCsr.keyPem };
    expect(
      (await rejection(signIntermediate(asRoot, csr.csrPem, { zone: 'y', mesh: 'default' }))).message,
    ).toContain('pathLen 0');
  });

  it('refuses a key that is not the CA certificate key', async () => {
    const other = await createRootCa({ mesh: 'default' });
    const csr = await createCsr();
    const mixed = { certPem: root.certPem, keyPem: other.keyPem };
    expect(
      (await rejection(signIntermediate(mixed, csr.csrPem, { zone: 'z', mesh: 'default' }))).causes[0]?.field,
    ).toBe('root.keyPem');
  });
});

describe('workload certificates', () => {
  it('carry spiffe and kuma SANs for the union of all inbound tags, and read back', async () => {
    const { root, issuer } = await meshPki('default');
    const csr = await createCsr();
    const issued = await signWorkload(issuer, csr.csrPem, {
      mesh: 'default',
      inboundTags: [
        { 'kuma.io/service': 'backend', version: 'v1', 'kuma.io/zone': 'zone-1' },
        { 'kuma.io/service': 'backend-admin', version: 'v1', team: 'core' },
      ],
    });
    expect(issued.uris).toEqual([
      'spiffe://default/backend',
      'spiffe://default/backend-admin',
      'kuma://kuma.io/service/backend',
      'kuma://kuma.io/service/backend-admin',
      'kuma://kuma.io/zone/zone-1',
      'kuma://team/core',
      'kuma://version/v1',
    ]);
    const cert = new X509Certificate(issued.certPem);
    expect(cert.ca).toBe(false);
    expect(issued.notAfter.getTime() - Date.now()).toBeGreaterThan(23 * hour);
    expect(issued.notAfter.getTime() - Date.now()).toBeLessThanOrEqual(24 * hour);
    expect(() => verifyChain(issued.chainPem, root.certPem)).not.toThrow();
    expect(identityOf(issued.certPem)).toEqual({
      mesh: 'default',
      services: ['backend', 'backend-admin'],
      tags: {
        'kuma.io/service': ['backend', 'backend-admin'],
        'kuma.io/zone': ['zone-1'],
        team: ['core'],
        version: ['v1'],
      },
    });
  });

  it('uses the configured lifetime, clamped to the issuer', async () => {
    const { issuer, intermediate } = await meshPki('default');
    const csr = await createCsr();
    const now = new Date();
    const short = await signWorkload(issuer, csr.csrPem, {
      mesh: 'default',
      inboundTags: [{ 'kuma.io/service': 'web' }],
      lifetime: hour,
      now,
    });
    expect(short.notAfter.getTime()).toBe(Math.floor((now.getTime() + hour) / 1000) * 1000);
    const long = await signWorkload(issuer, csr.csrPem, {
      mesh: 'default',
      inboundTags: [{ 'kuma.io/service': 'web' }],
      lifetime: 1000 * 24 * hour,
    });
    expect(long.notAfter.getTime()).toBe(intermediate.notAfter.getTime());
  });

  it('refuses inbounds without a service and tags that cannot be URIs, naming the field', () => {
    const problem = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return isMeshError(err) ? err.causes[0] : undefined;
      }
      return undefined;
    };
    expect(problem(() => workloadUris('default', [{ version: 'v1' }]))).toEqual({
      field: 'inboundTags[0]',
      message: 'must have the tag kuma.io/service',
    });
    expect(problem(() => workloadUris('default', [{ 'kuma.io/service': 'a', version: 'v/1' }]))?.field).toBe(
      'inboundTags[0].version',
    );
    expect(problem(() => workloadUris('default', []))?.field).toBe('inboundTags');
  });

  it('refuses to sign with an intermediate of another mesh', async () => {
    const { issuer } = await meshPki('other');
    const csr = await createCsr();
    const err = await rejection(
      signWorkload(issuer, csr.csrPem, { mesh: 'default', inboundTags: [{ 'kuma.io/service': 'web' }] }),
    );
    expect(err.causes[0]?.field).toBe('mesh');
  });

  it('keeps a given key when making a CSR', async () => {
    const first = await createCsr();
    const again = await createCsr({ keyPem: first.keyPem });
    expect(again.keyPem).toBe(first.keyPem);
    const a = new x509.Pkcs10CertificateRequest(first.csrPem).publicKey.rawData;
    const b = new x509.Pkcs10CertificateRequest(again.csrPem).publicKey.rawData;
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
  });
});

describe('identityOf', () => {
  it('refuses certificates without a mesh identity or with two meshes', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return isMeshError(err) ? err.code : 'other';
      }
      return 'none';
    };
    expect(code(() => identityOf({ subjectaltname: 'DNS:example.com' }))).toBe('Unauthenticated');
    expect(code(() => identityOf({ subjectaltname: 'URI:spiffe://a/x, URI:spiffe://b/y' }))).toBe(
      'Unauthenticated',
    );
    expect(code(() => identityOf('garbage'))).toBe('Unauthenticated');
  });

  it('ignores URIs of other shapes', () => {
    expect(
      identityOf({
        subjectaltname: 'URI:spiffe://m/web, URI:https://x/y, URI:kuma://bad, URI:"kuma://a/b,c"',
      }),
    ).toEqual({ mesh: 'm', services: ['web'], tags: { 'kuma.io/service': ['web'] } });
  });
});

async function privateKey(pem: string) {
  const { createPrivateKey } = await import('node:crypto');
  return createPrivateKey(pem);
}

/** A CSR whose signed body carries `victim`'s key but `donor`'s signature: proof of possession fails. */
function swapPublicKey(victim: x509.Pkcs10CertificateRequest, donor: x509.Pkcs10CertificateRequest): string {
  const body = Buffer.from(victim.rawData);
  const victimKey = Buffer.from(victim.publicKey.rawData);
  const donorKey = Buffer.from(donor.publicKey.rawData);
  const at = body.indexOf(victimKey);
  donorKey.copy(body, at);
  return x509.PemConverter.encode(body, 'CERTIFICATE REQUEST');
}
