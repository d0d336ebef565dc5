/**
 * The zone ingress component: registers its ZoneIngress, holds the config stream, and routes
 * every connection on `networking.address:port` by its TLS SNI — peeked, never decrypted — to a
 * healthy local instance of that service and mesh (round robin; an instance whose connect fails
 * is ejected for a while). A connection without a ClientHello within the timeout, or whose SNI
 * names nothing here, is closed and counted. A new config changes routes for new connections
 * only. Its `start` resolves once listening with a first config, so `ready` is logged only then.
 */
import net, { type Socket } from 'node:net';
import {
  dpProtocolVersion,
  type IngressConfig,
  IngressStreamMessageSchema,
  RegisterResponseSchema,
} from '@zonemesh/api';
import {
  type ConnectionOutcome,
  type Connector,
  createHealthTracker,
  createPassthroughRouter,
  createRoundRobin,
  tcpConnector,
} from '@zonemesh/proxy';
import type { Runtime } from '@zonemesh/runtime';
import type { IngressProcessConfig } from './config.js';
import { createControlPlaneLink, runSession } from '@zonemesh/proxy';
import type { IngressFile } from './ingress-file.js';
import { failureReason, type IngressMetrics } from './ingress-metrics.js';
import { createRouteTable, type RouteTable } from './route-table.js';

/** Connections the ingress holds at once (clients still sending their ClientHello included). */
const maxIngressConnections = 32_768;

/** What the admin server asks of the ingress. */
export interface IngressStatus {
  /** True once listening with a config (and still while the control plane is away). */
  serving(): boolean;
}

/** What {@link setupZoneIngress} needs besides the runtime. */
export interface ZoneIngressDependencies {
  readonly file: IngressFile;
  readonly token: string | undefined;
  readonly metrics: IngressMetrics;
}

const direction = 'ingress';

/** Adds the ingress component to the runtime's lifecycle. */
export function setupZoneIngress(
  runtime: Runtime<IngressProcessConfig>,
  deps: ZoneIngressDependencies,
): IngressStatus {
  const { file, metrics } = deps;
  const log = runtime.log.child({ component: 'zone-ingress' });
  let serving = false;

  runtime.lifecycle.add({
    name: 'zone-ingress',
    async start(own) {
      // The root signal too: `start` waits for the first config, and a stop requested meanwhile
      // aborts only the root (a component's own signal is aborted once it has started).
      const signal = AbortSignal.any([own, runtime.lifecycle.signal]);
      const link = createControlPlaneLink({ baseUrl: runtime.config.cpAddress, token: deps.token });
      let table: RouteTable = createRouteTable({
        v: '1',
        version: 'none',
        name: file.name,
        zone: '',
        routes: [],
      });
      let version: string | undefined;
      let zone = '';
      const routedService = new WeakMap<Socket, string>();

      const plain = tcpConnector();
      const connect: Connector = async (endpoint, connectSignal) => {
        try {
          return await plain(endpoint, connectSignal);
        } catch (err) {
          metrics.upstreamFailures.inc({
            direction,
            service: endpoint.tags?.['kuma.io/service'] ?? '',
            zone: endpoint.zone ?? zone,
            reason: failureReason(err),
          });
          throw err;
        }
      };
      const router = createPassthroughRouter({
        balancer: createRoundRobin(),
        health: createHealthTracker({ signal }),
        connect,
        peekTimeoutMs: runtime.config.clientHelloTimeout,
        route({ serverName, client }) {
          const found = table.lookup(serverName);
          metrics.connections.inc({ direction, service: found.service });
          if (found.kind === 'unroutable') {
            metrics.unroutable.inc({ reason: found.reason });
            log.debug({ sni: serverName, reason: found.reason }, 'connection not routable; closed');
            return undefined;
          }
          routedService.set(client, found.service);
          metrics.activeConnections.inc({ direction, service: found.service });
          return found.endpoints;
        },
      });

      const account = (client: Socket, outcome: ConnectionOutcome) => {
        if (outcome.result === 'bad-hello' || outcome.result === 'no-hello') {
          metrics.connections.inc({ direction, service: '' });
          metrics.unroutable.inc({ reason: 'no_sni' });
          log.debug(
            { result: outcome.result, detail: outcome.detail },
            'connection without a usable ClientHello; closed',
          );
          return;
        }
        const service = routedService.get(client);
        if (service === undefined) return;
        metrics.activeConnections.dec({ direction, service });
        metrics.bytes.inc({ direction, service, flow: 'upstream' }, outcome.bytesFromClient);
        metrics.bytes.inc({ direction, service, flow: 'downstream' }, outcome.bytesToClient);
        if (outcome.result === 'unreachable')
          log.info(
            { sni: outcome.serverName, detail: outcome.detail },
            'no instance could be reached; connection closed',
          );
      };

      const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
        void router.handle(client).then((outcome) => account(client, outcome));
      });
      // A flood of connections (each holding a socket until its ClientHello or the peek timeout)
      // cannot exhaust file descriptors: past the cap, new connections are closed on accept.
      server.maxConnections = maxIngressConnections;
      server.once('drop', () =>
        log.warn(
          { maxConnections: maxIngressConnections },
          'connection limit reached: new connections are closed until some end',
        ),
      );
      const listening = new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: file.port, host: file.address, exclusive: true }, () => {
          server.off('error', reject);
          log.info({ address: `${file.address}:${file.port}` }, 'ingress listening');
          resolve();
        });
      });
      await listening;

      let markServing: () => void = () => {};
      const firstConfig = new Promise<void>((resolve) => {
        markServing = resolve;
      });
      const apply = (config: IngressConfig) => {
        if (config.version === version) return;
        version = config.version;
        zone = config.zone;
        table = createRouteTable(config);
        metrics.configUpdates.inc();
        log.info(
          { version: config.version, routes: config.routes.map((r) => `${r.sni}:${r.endpoints.length}`) },
          'config applied',
        );
        if (!serving) {
          serving = true;
          markServing();
        }
      };

      const session = runSession({
        link,
        log,
        signal,
        schema: IngressStreamMessageSchema,
        async register() {
          const body = { v: dpProtocolVersion, kind: 'ZoneIngress', resource: file.universal };
          const answer = await link.post('/v1/register', body, RegisterResponseSchema);
          if (answer === undefined) throw new Error('control plane answered the registration without a body');
          metrics.info.reset();
          metrics.info.set({ kind: 'ingress', mesh: '', name: answer.name, zone: answer.zone }, 1);
          return answer;
        },
        query: (answer) => ({ kind: 'ZoneIngress', name: answer.name }),
        onMessage(message) {
          if (message.type === 'config') apply(message.config);
        },
        onConnected(connected) {
          metrics.controlPlaneConnected.set(connected ? 1 : 0);
          log.info(
            { cpAddress: runtime.config.cpAddress },
            connected ? 'control plane connected' : 'control plane disconnected; serving the last config',
          );
        },
      });

      const stopped = new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      const done = stopped.then(async () => {
        server.close();
        await router.close();
        await session;
      });
      await Promise.race([firstConfig, stopped]);
      return { done };
    },
  });

  return { serving: () => serving };
}
