/**
 * A proxy's admin address (sidecar and zone ingress alike): `GET /ready` (200 once serving with
 * a config, 503 before) and `GET /metrics` (Prometheus text). Started first, so both answer while
 * the proxy waits for its control plane.
 */
import {
  createHttpServer,
  createRouter,
  type HostPort,
  type HttpServer,
  type Runtime,
} from '@zonemesh/runtime';

/** What `/ready` asks of the proxy: whether it serves a configuration from its control plane. */
export interface ProxyReadiness {
  serving(): boolean;
}

/**
 * Adds the admin HTTP server, listening on `config.adminAddress`, to the lifecycle; `status` is
 * read on every `/ready` (undefined while the proxy is not built yet).
 */
export function setupAdminServer(
  runtime: Runtime<{ readonly adminAddress: HostPort }>,
  status: () => ProxyReadiness | undefined,
): HttpServer {
  const { metrics } = runtime;
  const router = createRouter()
    .get('/ready', () =>
      status()?.serving() === true
        ? { body: 'ok\n' }
        : { status: 503, body: 'waiting for the first configuration from the control plane\n' },
    )
    .get('/metrics', async () => ({ body: await metrics.metrics(), contentType: metrics.contentType }));
  const server = createHttpServer({
    name: 'admin-server',
    address: runtime.config.adminAddress,
    router,
    log: runtime.log,
  });
  runtime.lifecycle.add(server);
  return server;
}
