/**
 * The zone control plane's dataplane server (`--dp-server-address`): proxies register, hold a
 * config stream, report their inbounds' health and rotate certificates here (docs/dataplane-protocol.md).
 * It keeps discovery fed from the zone's store, pushes every config whose version changed to the
 * proxies' open streams, tracks which proxies are online, and keeps the `availableServices` of the
 * zone's own ZoneIngresses up to date. Zone mode only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { toMeshError } from '@zonemesh/api';
import { createDiscovery, type DiscoveryUpdate } from '@zonemesh/discovery';
import {
  defaultBodyLimitBytes,
  errorBody,
  type HostPort,
  serverLimits,
  type ServerTls,
} from '@zonemesh/runtime';
import type { ResourceStore } from '@zonemesh/store';
import type { ControlPlaneRuntime } from '../control-plane-runtime.js';
import type { ProxyAuthenticator } from '../auth/proxy-authentication.js';
import type { MeshCa } from '../mesh-ca/mesh-ca.js';
import { zoneNameOf } from '../mesh-ca/setup-mesh-ca.js';
import { createConfigStreams } from './config-streams.js';
import { createDiscoveryFeed } from './discovery-feed.js';
import { createDpEndpoints, type JsonReply } from './dp-endpoints.js';
import { createDpMetrics } from './dp-metrics.js';
import { createProxyPresence } from './proxy-presence.js';
import { publishAvailableServices } from './proxy-registration.js';

/** Keep-alive ping interval of config streams (protocol: every 10 s). */
export const defaultPingIntervalMs = 10_000;

/** How long an offline sidecar's inbounds keep counting as endpoints. */
export const defaultOfflineGraceMs = 10_000;

const listenRetryMs = 5_000;

/** What {@link setupDpServer} needs besides the runtime. */
export interface DpServerDependencies {
  readonly store: ResourceStore;
  /** The zone's CA (from `setupMeshCa`); undefined only on global, where no server runs. */
  readonly meshCa: MeshCa | undefined;
  /** How proxies are authenticated (`setupAuth(...).proxies`, or `allowAnyProxy`). */
  readonly auth: ProxyAuthenticator;
  /** When given, proxies connect over HTTPS with this certificate (`--tls-*`). */
  readonly tls?: ServerTls | undefined;
  /** Default {@link defaultPingIntervalMs}; tests shorten it. */
  readonly pingIntervalMs?: number;
  /** Default {@link defaultOfflineGraceMs}; tests shorten it. */
  readonly offlineGraceMs?: number;
}

/** The running server, for tests and the ready line. */
export interface DpServer {
  /** The bound address once started (port 0 picks a free one). */
  address(): HostPort | undefined;
}

/** Adds the dataplane server component in zone mode; does nothing on global. */
export function setupDpServer(runtime: ControlPlaneRuntime, deps: DpServerDependencies): DpServer {
  let bound: HostPort | undefined;
  const server: DpServer = { address: () => bound };
  const meshCa = deps.meshCa;
  if (runtime.config.mode !== 'zone' || meshCa === undefined) return server;
  const { store } = deps;
  const zone = zoneNameOf(runtime.config);
  const log = runtime.log.child({ component: 'dp-server' });
  const metrics = createDpMetrics(runtime.metrics);

  runtime.lifecycle.add({
    name: 'dp-server',
    async start(signal) {
      const discovery = createDiscovery({ zone });
      const streams = createConfigStreams({ pingIntervalMs: deps.pingIntervalMs ?? defaultPingIntervalMs });
      let scheduleFlush = (): void => undefined;
      const presence = createProxyPresence({
        discovery,
        graceMs: deps.offlineGraceMs ?? defaultOfflineGraceMs,
        onChange: () => scheduleFlush(),
      });
      const localIngresses = new Set<string>();
      const feed = createDiscoveryFeed({
        store,
        discovery,
        meshCa,
        log,
        proxies: {
          upserted(resource) {
            if (resource.type === 'Dataplane')
              presence.seen({ mesh: resource.meta.mesh ?? '', name: resource.meta.name });
            else if (discovery.ingressConfig(resource.meta.name) !== undefined)
              localIngresses.add(resource.meta.name);
          },
          deleted(resource) {
            if (resource.type === 'Dataplane')
              presence.forgotten({ mesh: resource.meta.mesh ?? '', name: resource.meta.name });
            else localIngresses.delete(resource.meta.name);
          },
        },
        onBuilds(proxies, ingresses) {
          if (proxies > 0) metrics.builds.inc({ kind: 'Dataplane' }, proxies);
          if (ingresses > 0) metrics.builds.inc({ kind: 'ZoneIngress' }, ingresses);
        },
      });
      scheduleFlush = () => feed.scheduleFlush();
      const publisher = createServicesPublisher(() => [...localIngresses], store, discovery, log);
      feed.onUpdate((update: DiscoveryUpdate) => {
        for (const ref of update.proxies) {
          const config = discovery.proxyConfig(ref);
          if (config !== undefined)
            metrics.pushes.inc({ kind: 'Dataplane', mesh: ref.mesh }, streams.push('Dataplane', ref, config));
        }
        for (const name of update.ingresses) {
          const config = discovery.ingressConfig(name);
          const ref = { mesh: '', name };
          if (config !== undefined)
            metrics.pushes.inc({ kind: 'ZoneIngress', mesh: '' }, streams.push('ZoneIngress', ref, config));
        }
        for (const ref of update.removedProxies) streams.end('Dataplane', ref);
        for (const name of update.removedIngresses) streams.end('ZoneIngress', { mesh: '', name });
        if (update.availableServicesChanged || update.ingresses.length > 0) publisher.publish();
      });

      const endpoints = createDpEndpoints({
        zone,
        store,
        discovery,
        feed,
        meshCa,
        streams,
        presence,
        metrics,
        log,
        bodyLimitBytes: defaultBodyLimitBytes,
        auth: deps.auth,
      });
      const listener = (req: IncomingMessage, res: ServerResponse): void => {
        route(endpoints, req, res).catch((err: unknown) => {
          log.error({ err }, 'dp server response failed');
          res.destroy();
        });
      };
      // The runtime's limits (slow and oversized requests); a config stream is a response, so its
      // length is not bounded by requestTimeout.
      const http: Server =
        deps.tls === undefined
          ? createServer(serverLimits, listener)
          : createTlsServer({ ...serverLimits, cert: deps.tls.certPem, key: deps.tls.keyPem }, listener);
      const { host, port } = runtime.config.dpServerAddress;
      const listen = (): Promise<boolean> =>
        new Promise((resolve) => {
          const failed = (err: Error): void => {
            log.error(
              { err: err.message, address: `${host}:${port}`, retryMs: listenRetryMs },
              'dp server cannot listen; proxies cannot connect until it does (set --dp-server-address)',
            );
            resolve(false);
          };
          http.once('error', failed);
          http.listen(port, host, () => {
            http.off('error', failed);
            const info = http.address() as AddressInfo;
            bound = { host: info.address, port: info.port };
            log.info(
              { address: `${info.address}:${info.port}`, zone, tls: deps.tls !== undefined },
              'dp server listening',
            );
            resolve(true);
          });
        });
      // A taken port does not stop the control plane (its API keeps serving): retry until free.
      if (!(await listen())) void retryListen(listen, signal);
      const feeding = feed.run(signal);

      const done = new Promise<void>((resolve) => {
        const stop = (): void => {
          streams.endAll();
          presence.close();
          http.close(() => resolve());
          http.closeIdleConnections();
          setTimeout(() => http.closeAllConnections(), 1_000).unref();
        };
        if (signal.aborted) stop();
        else signal.addEventListener('abort', stop, { once: true });
      }).then(() => feeding.then(() => publisher.idle()));
      return { done };
    },
  });
  return server;

  async function route(
    endpoints: ReturnType<typeof createDpEndpoints>,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const handlers: Record<string, Record<string, () => Promise<JsonReply | undefined>>> = {
      '/v1/register': { POST: () => endpoints.register(req) },
      '/v1/health': { POST: () => endpoints.health(req) },
      '/v1/certificates': { POST: () => endpoints.certificates(req) },
      '/v1/stream': {
        GET: async () => {
          await endpoints.stream(req, url.searchParams, res);
          return undefined;
        },
      },
    };
    let reply: JsonReply | undefined;
    try {
      const forPath = handlers[url.pathname];
      const handler = forPath?.[method];
      if (forPath === undefined)
        reply = refusal(404, `no such endpoint: ${method} ${url.pathname}`, 'NotFound');
      else if (handler === undefined) {
        res.setHeader('allow', Object.keys(forPath).join(', '));
        reply = refusal(405, `${url.pathname} does not accept ${method}`, 'MethodNotAllowed');
      } else reply = await handler();
    } catch (err) {
      const error = toMeshError(err);
      if (error.code === 'Internal') runtime.log.error({ err, method, url: req.url }, 'dp request failed');
      reply = { status: error.httpStatus, body: errorBody(error) };
    }
    if (reply === undefined) return; // a stream: already answering
    if (reply.body === undefined) {
      res.writeHead(reply.status).end();
      return;
    }
    const payload = `${JSON.stringify(reply.body)}\n`;
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
    });
    res.end(payload);
  }
}

async function retryListen(listen: () => Promise<boolean>, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, listenRetryMs);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
    if (signal.aborted || (await listen())) return;
  }
}

function refusal(status: number, title: string, details: string): JsonReply {
  return { status, body: { title, details, causes: [] } };
}

/**
 * Writes the zone's available services to its local ZoneIngresses, one pass at a time; a request
 * during a pass runs one more pass afterwards (with the then-current list).
 */
function createServicesPublisher(
  ingresses: () => readonly string[],
  store: ResourceStore,
  discovery: ReturnType<typeof createDiscovery>,
  log: ControlPlaneRuntime['log'],
) {
  let running: Promise<void> | undefined;
  let again = false;
  const pass = async (): Promise<void> => {
    let failed = false;
    do {
      again = false;
      const services = discovery.availableServices();
      for (const name of ingresses()) {
        try {
          if (await publishAvailableServices(store, name, services)) {
            log.info({ ingress: name, services: services.length }, 'available services published');
          }
        } catch (err) {
          failed = true;
          log.warn(
            { ingress: name, err: (err as Error).message, retryMs: 2_000 },
            'cannot publish available services',
          );
        }
      }
    } while (again);
    if (failed) setTimeout(() => publisher.publish(), 2_000).unref();
  };
  const publisher = {
    publish(): void {
      if (running !== undefined) {
        again = true;
        return;
      }
      running = pass().finally(() => {
        running = undefined;
      });
    },
    idle(): Promise<void> {
      return running ?? Promise.resolve();
    },
  };
  return publisher;
}
