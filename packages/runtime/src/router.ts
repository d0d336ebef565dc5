/**
 * A small path router for `node:http`: patterns like `/meshes/:mesh/:plural/:name`, one handler
 * per method and pattern. Among matching patterns the one with the most literal segments wins
 * (`/zones/_overview` beats `/zones/:name`), ties go to the first registered.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** What a handler sees of a request. */
export interface HttpRequest {
  readonly method: string;
  /** The decoded path, without the query. */
  readonly path: string;
  /** The matched pattern, e.g. `/meshes/:mesh`; used as the metrics route label. */
  readonly route: string;
  /** Path parameters by name, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The peer's IP address (`127.0.0.1`, `::1`, `::ffff:127.0.0.1`, ...). */
  readonly remoteAddress: string | undefined;
  /** The origin the client used (`http://127.0.0.1:5681`), for links in responses. */
  readonly baseUrl: string;
  /**
   * The body decoded as JSON or YAML (by Content-Type; sniffed when absent), undefined when empty.
   * Throws `MeshError` `InvalidInput` (names line and column) or `TooLarge`. Reads once.
   */
  body(): Promise<unknown>;
}

/** What a handler answers. A thrown error becomes a MeshError response instead. */
export interface HttpResponse {
  /** Default 200. */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Written as JSON unless it is a string (then as is, with `contentType`). */
  readonly body?: unknown;
  /** Default `application/json`, or `text/plain; charset=utf-8` for string bodies. */
  readonly contentType?: string;
}

export type RouteHandler = (request: HttpRequest) => HttpResponse | Promise<HttpResponse>;

/** The outcome of routing one request. */
export type RouteMatch =
  | {
      readonly kind: 'found';
      readonly handler: RouteHandler;
      readonly route: string;
      readonly params: Record<string, string>;
    }
  /** The path exists but not for this method; `allowed` lists the methods it has. */
  | { readonly kind: 'method-not-allowed'; readonly allowed: readonly string[] }
  | { readonly kind: 'not-found' };

export interface Router {
  get(pattern: string, handler: RouteHandler): Router;
  put(pattern: string, handler: RouteHandler): Router;
  post(pattern: string, handler: RouteHandler): Router;
  delete(pattern: string, handler: RouteHandler): Router;
  /** Registers a handler; throws if the same method and pattern are registered twice. */
  add(method: string, pattern: string, handler: RouteHandler): Router;
  /** Routes a method and a raw (still percent-encoded) path. */
  match(method: string, path: string): RouteMatch;
}

interface Route {
  readonly method: string;
  readonly pattern: string;
  readonly segments: readonly string[];
  readonly literals: number;
  readonly handler: RouteHandler;
}

/** Makes an empty router. */
export function createRouter(): Router {
  const routes: Route[] = [];
  const router: Router = {
    get: (pattern, handler) => router.add('GET', pattern, handler),
    put: (pattern, handler) => router.add('PUT', pattern, handler),
    post: (pattern, handler) => router.add('POST', pattern, handler),
    delete: (pattern, handler) => router.add('DELETE', pattern, handler),
    add(method, pattern, handler) {
      const upper = method.toUpperCase();
      if (routes.some((route) => route.method === upper && route.pattern === pattern)) {
        throw new Error(`route ${upper} ${pattern} registered twice`);
      }
      const segments = splitPath(pattern);
      const literals = segments.filter((segment) => !segment.startsWith(':')).length;
      routes.push({ method: upper, pattern, segments, literals, handler });
      return router;
    },
    match(method, path) {
      const segments = splitPath(path);
      let best: { route: Route; params: Record<string, string> } | undefined;
      const allowed = new Set<string>();
      for (const route of routes) {
        const params = matchSegments(route.segments, segments);
        if (params === undefined) continue;
        allowed.add(route.method);
        if (route.method !== method.toUpperCase()) continue;
        if (best === undefined || route.literals > best.route.literals) best = { route, params };
      }
      if (best !== undefined) {
        return { kind: 'found', handler: best.route.handler, route: best.route.pattern, params: best.params };
      }
      return allowed.size > 0 ? { kind: 'method-not-allowed', allowed: [...allowed] } : { kind: 'not-found' };
    },
  };
  return router;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function matchSegments(
  pattern: readonly string[],
  path: readonly string[],
): Record<string, string> | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, expected] of pattern.entries()) {
    const actual = path[index] ?? '';
    let decoded: string;
    try {
      decoded = decodeURIComponent(actual);
    } catch {
      return undefined;
    }
    if (expected.startsWith(':')) params[expected.slice(1)] = decoded;
    else if (expected !== decoded) return undefined;
  }
  return params;
}
