/**
 * The REST API server (`--api-address`): Kuma's resource paths, zone insight, inspection,
 * `/metrics` and `/ready`. `/ready` answers 200 as soon as the server listens: it means "serving
 * my API" and never waits for NATS, Redis or global.
 */
import {
  createHttpServer,
  createRouter,
  type HttpServer,
  type Router,
  type ServerTls,
} from '@zonemesh/runtime';
import type { ControlPlaneRuntime } from '../control-plane-runtime.js';
import type { ApiDependencies } from './api-dependencies.js';
import { addInspectRoutes } from './inspect-routes.js';
import { addResourceRoutes } from './resource-routes.js';
import { addZoneRoutes } from './zone-routes.js';
import { authenticatedRouter } from './api-access.js';
import { addTokenRoutes } from './token-routes.js';
import { addGuiRoutes } from '../gui/gui-routes.js';
import { registerControlPlaneMetrics } from '../views/control-plane-metrics.js';
import { addViewRoutes } from '../views/view-routes.js';
import type { Registry } from 'prom-client';

/** Builds the API's router (also used by tests without a process around it). */
export function createApiRouter(deps: ApiDependencies, metrics: Registry): Router {
  const router = authenticatedRouter(createRouter(), {
    tokens: deps.auth.tokens,
    localhostIsAdmin: deps.config.apiLocalhostIsAdmin,
  })
    .get('/', () => ({
      body: {
        product: 'zonemesh',
        tagline: 'zonemesh',
        version: deps.version,
        mode: deps.config.mode,
        zone: deps.config.mode === 'zone' ? (deps.config.zone ?? null) : null,
        federated: deps.config.mode === 'global' || deps.config.natsUrl !== undefined,
      },
    }))
    .get('/ready', () => ({ body: 'ok\n' }))
    .get('/metrics', async () => ({ body: await metrics.metrics(), contentType: metrics.contentType }));
  addTokenRoutes(router, deps, deps.auth);
  addZoneRoutes(router, deps);
  addInspectRoutes(router, deps);
  addViewRoutes(router, deps);
  addGuiRoutes(router);
  registerControlPlaneMetrics(metrics, deps);
  addResourceRoutes(router, deps);
  return router;
}

/** Adds the API server (HTTPS when `tls` is given) to the lifecycle; returns it (its bound address, once started). */
export function setupApiServer(
  runtime: ControlPlaneRuntime,
  deps: Omit<ApiDependencies, 'config' | 'version'>,
  tls?: ServerTls,
): HttpServer {
  const router = createApiRouter(
    { ...deps, config: runtime.config, version: runtime.version },
    runtime.metrics,
  );
  const server = createHttpServer({
    name: 'api-server',
    address: runtime.config.apiAddress,
    router,
    log: runtime.log,
    metrics: runtime.metrics,
    metricPrefix: 'zonemesh_api_',
    ...(tls === undefined ? {} : { tls }),
  });
  runtime.lifecycle.add(server);
  return server;
}
