/**
 * A TCP proxy that routes each connection by its TLS SNI without decrypting: accept, peek the
 * ClientHello, look the name up, connect to an upstream, replay the peeked bytes, pipe. This is
 * the zone ingress; with `sni: false` it is a plain TCP forwarder.
 */
import net, { type AddressInfo, type Socket } from 'node:net';
import { isMeshError, type MeshErrorCode } from '@zonemesh/api';
import type { ClientHello } from './client-hello.js';
import type { Endpoint } from './endpoint.js';
import type { HealthTracker } from './health-tracker.js';
import { createRoundRobin, type LoadBalancer } from './load-balancer.js';
import { pipe } from './pipe.js';
import { adoptForPooledReads } from './pooled-reader.js';
import { peekSni } from './sni-peek.js';
import { type Connector, dialUpstream, tcpConnector } from './upstream-dial.js';

/** What {@link PassthroughRouterOptions.route} is asked about. */
export interface RouteRequest {
  /** The SNI; undefined when the client sent none, or when the router does not peek. */
  readonly serverName: string | undefined;
  readonly hello: ClientHello | undefined;
  /** The socket as handed to {@link PassthroughRouter.handle}. */
  readonly client: Socket;
}

/** How one connection ended, reported once per connection. */
export interface ConnectionOutcome {
  readonly serverName: string | undefined;
  readonly endpoint: Endpoint | undefined;
  /**
   * `piped` (carried until closed), `bad-hello` (not TLS, malformed, too large), `no-hello` (timed out, or closed first),
   * `no-route` (lookup found nothing), `unreachable` (no endpoint could be connected), `error`.
   */
  readonly result: 'piped' | 'bad-hello' | 'no-hello' | 'no-route' | 'unreachable' | 'error';
  readonly detail: string | undefined;
  readonly bytesFromClient: number;
  readonly bytesToClient: number;
  readonly durationMs: number;
}

/** Options of {@link createPassthroughRouter}. */
export interface PassthroughRouterOptions {
  /** The endpoints that may serve this connection; undefined or empty: refuse it. */
  readonly route: (
    request: RouteRequest,
  ) => readonly Endpoint[] | undefined | Promise<readonly Endpoint[] | undefined>;
  /** Peek the TLS ClientHello and route on its SNI; default true. */
  readonly sni?: boolean;
  /** Default round robin. */
  readonly balancer?: LoadBalancer;
  /** Filters endpoints and receives connect outcomes (passive checks). */
  readonly health?: HealthTracker;
  /** How to reach an endpoint; default plain TCP ({@link tcpConnector}). */
  readonly connect?: Connector;
  /**
   * Read clients into pooled buffers ({@link adoptForPooledReads}) and, with the default
   * connector, upstreams too; default true. Off: ordinary socket reads (for comparison).
   */
  readonly pooledReads?: boolean;
  readonly attempts?: number;
  readonly connectTimeoutMs?: number;
  /** Default 10 000 ms. */
  readonly peekTimeoutMs?: number;
  /** Default none. */
  readonly idleTimeoutMs?: number;
  readonly onConnection?: (outcome: ConnectionOutcome) => void;
  /** Aborting closes the router, as {@link PassthroughRouter.close} does. */
  readonly signal?: AbortSignal;
}

/** A running passthrough router. */
export interface PassthroughRouter {
  readonly server: net.Server;
  /** Listens and resolves with the bound address. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /**
   * Handles one accepted connection (the server calls this; exposed for custom listeners, which
   * should accept with `pauseOnConnect`). For the pipe the socket may be moved onto pooled reads
   * ({@link adoptForPooledReads}): the object passed in then emits `close` early, so follow the
   * connection through the returned outcome, not that object's events. `route` sees the object
   * passed in.
   */
  handle(client: Socket): Promise<ConnectionOutcome>;
  /** Connections being routed or piped now. */
  readonly activeConnections: number;
  /** Stops accepting, destroys every open connection, and resolves once the server is closed. */
  close(): Promise<void>;
}

/** Creates a router; it does nothing until {@link PassthroughRouter.listen}. */
export function createPassthroughRouter(options: PassthroughRouterOptions): PassthroughRouter {
  const balancer = options.balancer ?? createRoundRobin();
  const pooledReads = options.pooledReads ?? true;
  const connect = options.connect ?? tcpConnector({ pooledReads });
  const peeking = options.sni ?? true;
  const stopping = new AbortController();
  /** Every socket of every connection, to destroy on close. */
  const open = new Set<Socket>();
  let connections = 0;

  const handle = async (accepted: Socket): Promise<ConnectionOutcome> => {
    const started = performance.now();
    let client = accepted;
    connections++;
    open.add(client);
    client.setNoDelay(true);
    client.on('error', () => {});
    let serverName: string | undefined;
    let endpoint: Endpoint | undefined;
    const outcome = (
      result: ConnectionOutcome['result'],
      detail?: string,
      bytes?: { fromClient: number; toClient: number },
    ): ConnectionOutcome => {
      connections--;
      open.delete(accepted);
      open.delete(client);
      const done: ConnectionOutcome = {
        serverName,
        endpoint,
        result,
        detail,
        bytesFromClient: bytes?.fromClient ?? 0,
        bytesToClient: bytes?.toClient ?? 0,
        durationMs: performance.now() - started,
      };
      options.onConnection?.(done);
      return done;
    };
    let hello: ClientHello | undefined;
    let head: Buffer | undefined;
    if (peeking) {
      try {
        const peeked = await peekSni(
          client,
          options.peekTimeoutMs === undefined ? {} : { timeoutMs: options.peekTimeoutMs },
        );
        hello = peeked;
        head = peeked.head;
        serverName = peeked.serverName;
      } catch (err) {
        client.destroy();
        const timedOut = isMeshError(err, 'Unavailable');
        return outcome(timedOut ? 'no-hello' : 'bad-hello', messageOf(err));
      }
    }
    let candidates: readonly Endpoint[] | undefined;
    try {
      candidates = await options.route({ serverName, hello, client });
    } catch (err) {
      client.destroy();
      return outcome('error', messageOf(err));
    }
    if (candidates === undefined || candidates.length === 0) {
      client.destroy();
      return outcome('no-route', serverName === undefined ? 'no SNI' : `no route for ${serverName}`);
    }
    let upstream: Socket;
    try {
      const dialed = await dialUpstream(candidates, {
        balancer,
        health: options.health,
        connect,
        signal: stopping.signal,
        ...(options.attempts === undefined ? {} : { attempts: options.attempts }),
        ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      });
      upstream = dialed.socket;
      endpoint = dialed.endpoint;
    } catch (err) {
      client.destroy();
      return outcome(codeOf(err) === 'Unavailable' ? 'unreachable' : 'error', messageOf(err));
    }
    if (client.destroyed) {
      upstream.destroy();
      return outcome('error', 'client went away while connecting');
    }
    // Both directions of the pipe then read into pooled buffers (the upstream one through the
    // connector). Nothing was read past the ClientHello, so nothing is lost; if something was,
    // the socket stays as it is.
    if (pooledReads) client = adoptForPooledReads(client);
    if (client !== accepted) {
      open.delete(accepted);
      open.add(client);
      client.on('error', () => {});
    }
    open.add(upstream);
    if (head !== undefined) upstream.write(head);
    const piped = await pipe(client, upstream, {
      signal: stopping.signal,
      ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    });
    open.delete(upstream);
    const fromClient = piped.bytesAToB + (head?.length ?? 0);
    return outcome('piped', piped.error?.message, { fromClient, toClient: piped.bytesBToA });
  };

  // Paused on accept: nothing reads a connection before it is peeked or adopted.
  const server = net.createServer(
    { allowHalfOpen: true, noDelay: true, pauseOnConnect: true },
    // `handle` settles with an outcome; only a throwing `route` or `onConnection` can reject it.
    (client) => void handle(client).catch(() => client.destroy()),
  );

  const router: PassthroughRouter = {
    server,
    handle,
    get activeConnections() {
      return connections;
    },
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close() {
      stopping.abort(new Error('router closed'));
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
      });
    },
  };
  options.signal?.addEventListener('abort', () => void router.close(), { once: true });
  return router;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function codeOf(err: unknown): MeshErrorCode | undefined {
  return isMeshError(err) ? err.code : undefined;
}
