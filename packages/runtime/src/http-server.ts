/**
 * An HTTP server component on `node:http` around a {@link Router}. Anything a handler throws
 * becomes a MeshError response `{"title","details","causes":[{"field","message"}]}` with the
 * code's HTTP status, so every edge answers errors the same way.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { MeshError, toMeshError, type FieldError } from '@zonemesh/api';
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { HostPort } from './config.js';
import type { Component, RunningComponent } from './lifecycle.js';
import { decodeBody, defaultBodyLimitBytes, readBodyText } from './request-body.js';
import type { HttpRequest, HttpResponse, Router } from './router.js';

/** The JSON body of every error response (Kuma's shape). */
export interface ErrorBody {
  /** One clear sentence saying what went wrong. */
  readonly title: string;
  /** The MeshError code (`InvalidInput`, `Conflict`, ...), so clients can act on it. */
  readonly details: string;
  /** Field problems, Kuma's field paths; empty when the error is not about fields. */
  readonly causes: readonly FieldError[];
}

/** The response body for an error. */
export function errorBody(error: MeshError): ErrorBody {
  return { title: error.message, details: error.code, causes: error.causes };
}

export interface HttpServerOptions {
  /** Component name, also the `component` of its log lines (e.g. `api-server`). */
  readonly name: string;
  readonly address: HostPort;
  readonly router: Router;
  readonly log: Logger;
  /** When given, request counts and latencies are registered here under `metricPrefix`. */
  readonly metrics?: Registry;
  /** Default `http_`: `http_requests_total{route,method,status}`, `http_request_duration_seconds`. */
  readonly metricPrefix?: string;
  /** Default 1 MiB. */
  readonly bodyLimitBytes?: number;
  /** When given, the server speaks HTTPS with this certificate (chain) and key, PEM. */
  readonly tls?: ServerTls;
}

/** A server certificate (with its chain) and key, PEM. */
export interface ServerTls {
  readonly certPem: string;
  readonly keyPem: string;
}

/** An HTTP server that starts listening in `start` and closes when the signal aborts. */
export interface HttpServer extends Component {
  /** The bound address once started (port 0 picks a free one). */
  address(): HostPort | undefined;
}

/**
 * Limits every zonemesh HTTP server keeps against slow or oversized clients: a request's headers
 * must arrive within 10 s and the whole request within 30 s (a slow client cannot hold a socket
 * forever), headers are capped at 16 KiB (bodies by `bodyLimitBytes`).
 */
export const serverLimits = {
  keepAliveTimeout: 5_000,
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  maxHeaderSize: 16 * 1024,
} as const;

/** Makes the server; nothing listens until `start`. */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const log = options.log.child({ component: options.name });
  const limit = options.bodyLimitBytes ?? defaultBodyLimitBytes;
  const instruments = options.metrics === undefined ? undefined : createInstruments(options);
  let bound: HostPort | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const startedAt = process.hrtime.bigint();
    let route = 'unmatched';
    let response: HttpResponse;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      const match = options.router.match(method, url.pathname);
      if (match.kind === 'not-found') {
        throw new MeshError('NotFound', `no such endpoint: ${method} ${url.pathname}`);
      }
      if (match.kind === 'method-not-allowed') {
        res.setHeader('allow', match.allowed.join(', '));
        throw new MeshError('MethodNotAllowed', `${url.pathname} does not accept ${method}`);
      }
      route = match.route;
      let bodyRead = false;
      const request: HttpRequest = {
        method,
        path: safeDecode(url.pathname),
        route,
        params: match.params,
        query: url.searchParams,
        headers: req.headers,
        remoteAddress: req.socket.remoteAddress,
        baseUrl: `${options.tls === undefined ? 'http' : 'https'}://${req.headers.host ?? hostPortText(bound)}`,
        async body() {
          if (bodyRead) throw new Error('request body read twice');
          bodyRead = true;
          return decodeBody(await readBodyText(req, limit), req.headers['content-type']);
        },
      };
      response = await match.handler(request);
    } catch (err) {
      const error = toMeshError(err);
      if (error.code === 'Internal') log.error({ err, method: req.method, url: req.url }, 'request failed');
      else log.debug({ code: error.code, method: req.method, url: req.url }, 'request refused');
      if (error.code === 'TooLarge') res.setHeader('connection', 'close');
      response = { status: error.httpStatus, body: errorBody(error) };
    }
    const status = response.status ?? 200;
    write(res, status, response);
    if (instruments !== undefined) {
      const labels = { route, method: req.method ?? 'GET', status: String(status) };
      instruments.requests.inc(labels);
      instruments.duration.observe(labels, Number(process.hrtime.bigint() - startedAt) / 1e9);
    }
  };

  return {
    name: options.name,
    address: () => bound,
    async start(signal: AbortSignal): Promise<RunningComponent> {
      const listener = (req: IncomingMessage, res: ServerResponse): void => {
        handle(req, res).catch((err: unknown) => {
          log.error({ err }, 'response failed');
          res.destroy();
        });
      };
      const server: Server =
        options.tls === undefined
          ? createServer(serverLimits, listener)
          : createTlsServer(
              { ...serverLimits, cert: options.tls.certPem, key: options.tls.keyPem },
              listener,
            );
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.address.port, options.address.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const info = server.address() as AddressInfo;
      bound = { host: info.address, port: info.port };
      log.info(
        { address: hostPortText(bound), tls: options.tls !== undefined },
        options.tls === undefined ? 'http server listening' : 'https server listening',
      );
      const done = new Promise<void>((resolve) => {
        const close = (): void => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // In-flight requests get a moment to finish; then their sockets are cut.
          setTimeout(() => server.closeAllConnections(), 2_000).unref();
        };
        if (signal.aborted) close();
        else signal.addEventListener('abort', close, { once: true });
      });
      return { done };
    },
  };
}

function write(res: ServerResponse, status: number, response: HttpResponse): void {
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  if (response.body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const isText = typeof response.body === 'string';
  const payload = isText ? (response.body as string) : `${JSON.stringify(response.body)}\n`;
  const contentType = response.contentType ?? (isText ? 'text/plain; charset=utf-8' : 'application/json');
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

function createInstruments(options: HttpServerOptions): {
  requests: Counter<'route' | 'method' | 'status'>;
  duration: Histogram<'route' | 'method' | 'status'>;
} {
  const prefix = options.metricPrefix ?? 'http_';
  const registers = options.metrics === undefined ? [] : [options.metrics];
  return {
    requests: new Counter({
      name: `${prefix}requests_total`,
      help: 'HTTP requests answered, by route pattern, method and status',
      labelNames: ['route', 'method', 'status'],
      registers,
    }),
    duration: new Histogram({
      name: `${prefix}request_duration_seconds`,
      help: 'HTTP request latency, by route pattern, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  };
}

function hostPortText(address: HostPort | undefined): string {
  if (address === undefined) return 'localhost';
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Whether a peer address is loopback (`127.0.0.0/8`, `::1`, or IPv4-mapped loopback). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}
