import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allow } from './admission-review.js';
import { startAdmissionServer } from './admission-server.js';
import { testLog } from './kube-test-objects.test-suite.js';
import { createSelfSignedWebhookCertificate, type WebhookCertificate } from './webhook-certificate.js';

describe('startAdmissionServer', () => {
  const abort = new AbortController();
  let port = 0;
  let certificate: WebhookCertificate;
  let done: Promise<void>;

  beforeAll(async () => {
    certificate = await createSelfSignedWebhookCertificate({
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    const server = await startAdmissionServer({
      host: '127.0.0.1',
      port: 0,
      certificate,
      handlers: { '/validate': (review) => allow(review) },
      log: testLog,
      signal: abort.signal,
    });
    port = server.port;
    done = server.done;
  });
  afterAll(async () => {
    abort.abort();
    await done;
  });

  function send(method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, ca: certificate.caPem }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('serves TLS with a certificate its CA verifies, and answers AdmissionReviews with the request uid', async () => {
    expect((await send('GET', '/healthz')).status).toBe(200);
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'abc',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        operation: 'CREATE',
        object: {},
      },
    };
    const answer = await send('POST', '/validate', JSON.stringify(review));
    expect(JSON.parse(answer.body)).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'abc', allowed: true },
    });
  });

  it('refuses what is not an AdmissionReview, naming the field, and unknown paths', async () => {
    const wrong = await send(
      'POST',
      '/validate',
      JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview' }),
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('apiVersion: must be admission.k8s.io/v1');
    expect((await send('POST', '/validate', 'not json')).status).toBe(400);
    expect((await send('POST', '/mutate', '{}')).status).toBe(404);
  });
});
