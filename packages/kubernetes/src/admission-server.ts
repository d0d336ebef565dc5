/**
 * The HTTPS server the API server calls for admission: `POST /validate` (kuma.io objects) and
 * `POST /inject` (Pods), plus `GET /healthz`. Bodies are limited to 4 MiB and schema-validated;
 * a body that is not an AdmissionReview answers 400. A handler that throws answers 500 (the
 * webhook's failurePolicy then decides).
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { type AdmissionRequest, type AdmissionResponse, AdmissionReviewSchema } from './admission-review.js';
import type { WebhookCertificate } from './webhook-certificate.js';

/** A handler of one webhook path. */
export type AdmissionHandler = (request: AdmissionRequest) => AdmissionResponse;

export interface AdmissionServerOptions {
  readonly host: string;
  readonly port: number;
  readonly certificate: WebhookCertificate;
  /** Handlers by path (`/validate`, `/inject`). */
  readonly handlers: Readonly<Record<string, AdmissionHandler>>;
  readonly log: Logger;
  readonly signal: AbortSignal;
}

/** A listening admission server. */
export interface AdmissionServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Settles once the server closed after the signal aborted. */
  readonly done: Promise<void>;
}

const maxBodyBytes = 4 * 1024 * 1024;

/** Starts listening; resolves once bound. */
export async function startAdmissionServer(options: AdmissionServerOptions): Promise<AdmissionServer> {
  const { log } = options;
  const server: Server = createServer(
    { cert: options.certificate.certPem, key: options.certificate.keyPem },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        log.error({ err: (err as Error).message, path: req.url }, 'admission request failed');
        if (!res.headersSent) send(res, 500, { message: 'internal error' });
      });
    },
  );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'https://webhook').pathname;
    if (req.method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok' });
    const handler = options.handlers[path];
    if (req.method !== 'POST' || handler === undefined)
      return send(res, 404, { message: `no webhook at ${path}` });
    const text = await readBody(req);
    if (text === undefined) return send(res, 413, { message: `the body is over ${maxBodyBytes} bytes` });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return send(res, 400, { message: 'the body is not JSON' });
    }
    const parsed = AdmissionReviewSchema.safeParse(body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      return send(res, 400, { message: `not an AdmissionReview: ${problems.join('; ')}` });
    }
    const response = handler(parsed.data.request);
    if (!response.allowed) {
      log.info(
        {
          path,
          kind: parsed.data.request.kind.kind,
          name: parsed.data.request.name,
          reason: response.status?.reason,
        },
        'admission denied',
      );
    }
    send(res, 200, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ address: `${options.host}:${port}` }, 'admission webhooks listening');
  const done = new Promise<void>((resolve) => {
    const close = (): void => {
      server.closeAllConnections();
      server.close(() => resolve());
    };
    if (options.signal.aborted) close();
    else options.signal.addEventListener('abort', close, { once: true });
  });
  return { port, done };
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
