/**
 * The ingress's admin address: `GET /ready` (200 once serving with a config, 503 before) and
 * `GET /metrics` (Prometheus text). Started first, so both answer while the ingress waits for
 * its control plane.
 */
import { createHttpServer, createRouter, type HttpServer, type Runtime } from '@zonemesh/runtime';
import type { IngressProcessConfig } from './config.js';
import type { IngressStatus } from './zone-ingress.js';

/** Adds the admin HTTP server to the lifecycle; `status` is read on every `/ready`. */
export function setupAdminServer(
  runtime: Runtime<IngressProcessConfig>,
  status: () => IngressStatus | undefined,
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
