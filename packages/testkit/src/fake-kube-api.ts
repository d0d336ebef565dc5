/**
 * A fake Kubernetes API server for tests on machines without one. It speaks the real protocol
 * for what zonemesh uses: list (`{kind: XList, metadata: {resourceVersion}, items}`), get,
 * create, replace, merge/JSON patch and delete (with `preconditions.resourceVersion`), `Status`
 * errors, and `?watch=true` streams (headers flushed at once, one JSON event per line, initial
 * `ADDED` events when no resourceVersion is given, an `ERROR` event with a 410 `Expired` status
 * when the resourceVersion is older than the kept history, optional bookmarks, `timeoutSeconds`).
 * Core namespaces, nodes, pods, services, configmaps, secrets, endpoints, service accounts;
 * discovery.k8s.io endpointslices; apps deployments; RBAC roles and bindings; admission webhook
 * configurations (their webhooks are called,
 * see fake-kube-admission.ts); TokenReviews of its own tokens (fake-kube-token-review.ts);
 * CustomResourceDefinitions, whose served versions become new
 * resources (so `kuma.io/v1alpha1` objects exist once the CRDs are applied).
 *
 * Plain HTTP on 127.0.0.1 (the kubeconfig says `insecure-skip-tls-verify`, which client-node
 * requires for an http server); the bearer token is required.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { admit, applyJsonPatch, type ServiceResolver } from './fake-kube-admission.js';
import { reviewToken, tokenReviewPath } from './fake-kube-token-review.js';
import {
  FakeKubeError,
  FakeKubeStorage,
  type FakeResourceType,
  type FakeWatchEvent,
  type KubeObject,
  matchesLabelSelector,
  resourceId,
} from './fake-kube-storage.js';

export interface StartFakeKubeApiOptions {
  /** Events kept for resuming watches (older resourceVersions answer 410). Default 10,000. */
  readonly historyLimit?: number;
  /** Required `Authorization: Bearer` token; default `fake-kube-token` (user `kubernetes-admin`). */
  readonly token?: string;
  /** More tokens and the user each stands for (e.g. a service account's `system:serviceaccount:NS:NAME`). */
  readonly users?: Readonly<Record<string, string>>;
  /** Tokens bound to a Pod (token -> pod name), as TokenReviews of projected tokens report. */
  readonly podBindings?: Readonly<Record<string, string>>;
  /** Namespaces that exist from the start; default `default`, `kube-system`. */
  readonly namespaces?: readonly string[];
  /** Where webhooks configured with `clientConfig.service` are reached. */
  readonly resolveService?: ServiceResolver;
}

/** An answer of {@link FakeKubeApi.request}. */
export interface FakeKubeResponse {
  readonly status: number;
  readonly body: KubeObject;
}

/** A running fake API server. */
export interface FakeKubeApi {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly token: string;
  /** A kubeconfig (YAML) whose current context points at this server with the token (default: the admin's). */
  kubeconfig(token?: string): string;
  /**
   * One HTTP request to the API as a client would make it (admission included), e.g.
   * `request('POST', '/api/v1/namespaces/default/pods', pod)`. Never throws for an error status.
   */
  request(method: string, path: string, body?: unknown, contentType?: string): Promise<FakeKubeResponse>;
  /** Like {@link request} but throws unless the status is 2xx; returns the body. */
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<KubeObject>;
  /** Creates or replaces (ignoring resourceVersion) an object at its collection path. */
  apply(collectionPath: string, object: KubeObject): Promise<KubeObject>;
  /** Forgets the event history: watches resuming from an older resourceVersion get 410 Gone. */
  compact(): void;
  /** Ends every open watch stream (clients reconnect with their last resourceVersion). */
  closeWatches(): void;
  /**
   * Ends every open watch stream and answers new watch requests with 503 until
   * {@link resumeWatches}: clients miss what happens meanwhile (combine with {@link compact} to
   * make them resume from a resourceVersion that is gone).
   */
  suspendWatches(): void;
  resumeWatches(): void;
  /** Watch streams open right now. */
  openWatches(): number;
  /** Watch requests received so far, per resource path (`/api/v1/pods`). */
  watchRequests(): ReadonlyMap<string, number>;
  /** The cluster-wide resourceVersion now. */
  resourceVersion(): number;
  close(): Promise<void>;
}

const builtinTypes: readonly FakeResourceType[] = [
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
  { group: '', version: 'v1', plural: 'endpoints', kind: 'Endpoints', namespaced: true },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    plural: 'endpointslices',
    kind: 'EndpointSlice',
    namespaced: true,
  },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterroles',
    kind: 'ClusterRole',
    namespaced: false,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role', namespaced: true },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'rolebindings',
    kind: 'RoleBinding',
    namespaced: true,
  },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'mutatingwebhookconfigurations',
    kind: 'MutatingWebhookConfiguration',
    namespaced: false,
  },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'validatingwebhookconfigurations',
    kind: 'ValidatingWebhookConfiguration',
    namespaced: false,
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
  },
];

const namespacesId = '/v1/namespaces';
const crdId = 'apiextensions.k8s.io/v1/customresourcedefinitions';

interface Target {
  readonly type: FakeResourceType;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

/** Starts a fake Kubernetes API server on a free port of 127.0.0.1. */
export async function startFakeKubeApi(options: StartFakeKubeApiOptions = {}): Promise<FakeKubeApi> {
  const token = options.token ?? 'fake-kube-token';
  const tokens = new Map<string, string>([
    [token, 'kubernetes-admin'],
    ...Object.entries(options.users ?? {}),
  ]);
  const storage = new FakeKubeStorage(options.historyLimit ?? 10_000);
  const types = new Map<string, FakeResourceType>(builtinTypes.map((type) => [resourceId(type), type]));
  const watches = new Set<ServerResponse>();
  const watchCounts = new Map<string, number>();
  let watchesSuspended = false;
  for (const name of options.namespaces ?? ['default', 'kube-system']) {
    storage.create(namespacesId, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const error =
        err instanceof FakeKubeError ? err : new FakeKubeError(500, 'InternalError', (err as Error).message);
      if (!res.headersSent) sendStatus(res, error);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const presented = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const username = tokens.get(presented);
    if (username === undefined) throw new FakeKubeError(401, 'Unauthorized', 'Unauthorized');
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname === tokenReviewPath && req.method === 'POST') {
      return send(res, 201, reviewToken(await readJson(req), tokens, options.podBindings));
    }
    const target = resolve(url.pathname);
    const method = req.method ?? 'GET';
    const body = method === 'GET' ? undefined : await readJson(req);
    if (method === 'GET' && target.name === undefined) {
      const watch = url.searchParams.get('watch');
      if (watch === 'true' || watch === '1') {
        if (watchesSuspended) throw new FakeKubeError(503, 'ServiceUnavailable', 'watches are suspended');
        return startWatch(res, target, url, req);
      }
      return send(res, 200, listOf(target, url.searchParams.get('labelSelector') ?? ''));
    }
    if (method === 'GET') return send(res, 200, existing(target));
    if (method === 'POST' && target.name === undefined) {
      return send(res, 201, await create(target, body as KubeObject, username));
    }
    if (method === 'PUT' && target.name !== undefined) {
      return send(res, 200, await replace(target, body as KubeObject, username));
    }
    if (method === 'PATCH' && target.name !== undefined) {
      const current = existing(target);
      const contentType = req.headers['content-type'] ?? '';
      const patched = contentType.includes('json-patch')
        ? applyJsonPatch(current, body)
        : (mergePatch(current, body) as KubeObject);
      const { resourceVersion: _ignored, ...meta } = patched.metadata ?? {};
      return send(res, 200, await replace(target, { ...patched, metadata: meta }, username));
    }
    if (method === 'DELETE' && target.name !== undefined) {
      const precondition = (body as { preconditions?: { resourceVersion?: string } } | undefined)
        ?.preconditions?.resourceVersion;
      return send(res, 200, await remove(target, precondition, username));
    }
    throw new FakeKubeError(405, 'MethodNotAllowed', `${method} is not supported on ${url.pathname}`);
  }

  function resolve(pathname: string): Target {
    const segments = pathname.split('/').filter((segment) => segment !== '');
    let group: string;
    let rest: string[];
    let version: string;
    if (segments[0] === 'api') {
      group = '';
      version = segments[1] ?? '';
      rest = segments.slice(2);
    } else if (segments[0] === 'apis') {
      group = segments[1] ?? '';
      version = segments[2] ?? '';
      rest = segments.slice(3);
    } else {
      throw new FakeKubeError(
        404,
        'NotFound',
        `the server could not find the requested resource (${pathname})`,
      );
    }
    const lookup = (plural: string | undefined) => types.get(`${group}/${version}/${plural ?? ''}`);
    let namespace: string | undefined;
    let plural = rest[0];
    let name = rest[1];
    if (rest[0] === 'namespaces' && rest.length >= 3 && lookup(rest[2])?.namespaced === true) {
      namespace = rest[1];
      plural = rest[2];
      name = rest[3];
    }
    const type = lookup(plural);
    if (type === undefined) {
      throw new FakeKubeError(
        404,
        'NotFound',
        `the server could not find the requested resource (${pathname})`,
      );
    }
    return { type, namespace, name };
  }

  function existing(target: Target): KubeObject {
    const found = storage.get(resourceId(target.type), target.namespace, target.name ?? '');
    if (found === undefined) {
      throw new FakeKubeError(404, 'NotFound', `${target.type.plural} "${target.name}" not found`);
    }
    return withTypeMeta(target.type, found);
  }

  function listOf(target: Target, labelSelector: string): KubeObject {
    const items = storage
      .list(resourceId(target.type), target.namespace)
      .filter((item) => matchesLabelSelector(item.metadata?.labels ?? {}, labelSelector))
      .map((item) => withTypeMeta(target.type, item));
    return {
      apiVersion: apiVersionOf(target.type),
      kind: `${target.type.kind}List`,
      metadata: { resourceVersion: String(storage.currentRevision()) },
      items,
    };
  }

  async function create(target: Target, raw: KubeObject, username: string): Promise<KubeObject> {
    const object = objectFor(target, raw);
    const name = object.metadata?.name ?? '';
    const admitted = await admit(
      {
        operation: 'CREATE',
        type: target.type,
        namespace: target.namespace,
        name,
        object,
        oldObject: undefined,
        namespaceLabels: namespaceLabels(target.namespace),
        username,
      },
      webhookConfigurations(),
      options.resolveService,
    );
    const created = storage.create(resourceId(target.type), admitted ?? object);
    if (resourceId(target.type) === crdId) registerCustomResource(created);
    return withTypeMeta(target.type, created);
  }

  async function replace(target: Target, raw: KubeObject, username: string): Promise<KubeObject> {
    const object = objectFor(target, raw);
    if (object.metadata?.name !== target.name) {
      throw new FakeKubeError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
    }
    const old = existing(target);
    const admitted = await admit(
      {
        operation: 'UPDATE',
        type: target.type,
        namespace: target.namespace,
        name: target.name ?? '',
        object,
        oldObject: old,
        namespaceLabels: namespaceLabels(target.namespace),
        username,
      },
      webhookConfigurations(),
      options.resolveService,
    );
    const replaced = storage.replace(resourceId(target.type), admitted ?? object);
    if (resourceId(target.type) === crdId) registerCustomResource(replaced);
    return withTypeMeta(target.type, replaced);
  }

  async function remove(
    target: Target,
    precondition: string | undefined,
    username: string,
  ): Promise<KubeObject> {
    const old = existing(target);
    await admit(
      {
        operation: 'DELETE',
        type: target.type,
        namespace: target.namespace,
        name: target.name ?? '',
        object: undefined,
        oldObject: old,
        namespaceLabels: namespaceLabels(target.namespace),
        username,
      },
      webhookConfigurations(),
      options.resolveService,
    );
    const id = resourceId(target.type);
    const deleted = storage.delete(id, target.namespace, target.name ?? '', precondition);
    if (id === namespacesId) {
      // The real API server empties a deleted namespace (asynchronously); this one at once.
      for (const type of types.values()) {
        if (!type.namespaced) continue;
        for (const object of storage.list(resourceId(type), target.name)) {
          storage.delete(resourceId(type), target.name, object.metadata?.name ?? '');
        }
      }
    }
    return withTypeMeta(target.type, deleted);
  }

  /** The object with the path's namespace, checked to exist, and its type meta. */
  function objectFor(target: Target, raw: KubeObject): KubeObject {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new FakeKubeError(400, 'BadRequest', 'the body is not a JSON object');
    }
    const metadata = { ...raw.metadata };
    if (target.type.namespaced) {
      const namespace = target.namespace ?? metadata.namespace;
      if (namespace === undefined) throw new FakeKubeError(400, 'BadRequest', 'a namespace is required');
      if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
        throw new FakeKubeError(
          400,
          'BadRequest',
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      if (storage.get(namespacesId, undefined, namespace) === undefined) {
        throw new FakeKubeError(404, 'NotFound', `namespaces "${namespace}" not found`);
      }
      metadata.namespace = namespace;
    } else {
      delete metadata.namespace;
    }
    return { ...raw, apiVersion: apiVersionOf(target.type), kind: target.type.kind, metadata };
  }

  function namespaceLabels(namespace: string | undefined): Record<string, string> | undefined {
    if (namespace === undefined) return undefined;
    return storage.get(namespacesId, undefined, namespace)?.metadata?.labels ?? {};
  }

  function webhookConfigurations(): { mutating: KubeObject[]; validating: KubeObject[] } {
    return {
      mutating: storage.list('admissionregistration.k8s.io/v1/mutatingwebhookconfigurations'),
      validating: storage.list('admissionregistration.k8s.io/v1/validatingwebhookconfigurations'),
    };
  }

  function registerCustomResource(crd: KubeObject): void {
    const spec = crd.spec as {
      group?: string;
      scope?: string;
      names?: { plural?: string; kind?: string };
      versions?: Array<{ name?: string; served?: boolean }>;
    };
    for (const version of spec.versions ?? []) {
      if (version.served === false) continue;
      const type: FakeResourceType = {
        group: spec.group ?? '',
        version: version.name ?? '',
        plural: spec.names?.plural ?? '',
        kind: spec.names?.kind ?? '',
        namespaced: spec.scope === 'Namespaced',
      };
      types.set(resourceId(type), type);
    }
  }

  function startWatch(res: ServerResponse, target: Target, url: URL, req: IncomingMessage): void {
    const id = resourceId(target.type);
    const counted = url.pathname;
    watchCounts.set(counted, (watchCounts.get(counted) ?? 0) + 1);
    const labelSelector = url.searchParams.get('labelSelector') ?? '';
    const fromParam = url.searchParams.get('resourceVersion') ?? '';
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // Clients wait for the headers before they read events: send them now, not with the first event.
    res.flushHeaders();
    const write = (event: FakeWatchEvent): void => {
      const { object } = event;
      if (target.namespace !== undefined && object.metadata?.namespace !== target.namespace) return;
      if (!matchesLabelSelector(object.metadata?.labels ?? {}, labelSelector)) return;
      res.write(`${JSON.stringify({ type: event.type, object: withTypeMeta(target.type, object) })}\n`);
    };
    const unsubscribe = storage.subscribe(id, write);
    let bookmarks: NodeJS.Timeout | undefined;
    let timeout: NodeJS.Timeout | undefined;
    const end = (): void => {
      unsubscribe();
      clearInterval(bookmarks);
      clearTimeout(timeout);
      watches.delete(res);
      if (!res.writableEnded) res.end();
    };
    watches.add(res);
    req.on('close', end);
    res.on('close', end);
    if (fromParam === '' || fromParam === '0') {
      for (const object of storage.list(id, target.namespace)) write({ type: 'ADDED', object });
    } else {
      const events = storage.eventsSince(id, Number(fromParam));
      if (events === 'gone' || !/^\d+$/.test(fromParam)) {
        res.write(
          `${JSON.stringify({
            type: 'ERROR',
            object: statusOf(new FakeKubeError(410, 'Expired', `too old resource version: ${fromParam}`)),
          })}\n`,
        );
        end();
        return;
      }
      for (const event of events) write(event);
    }
    if (url.searchParams.get('allowWatchBookmarks') === 'true') {
      bookmarks = setInterval(() => {
        res.write(
          `${JSON.stringify({
            type: 'BOOKMARK',
            object: {
              apiVersion: apiVersionOf(target.type),
              kind: target.type.kind,
              metadata: { resourceVersion: String(storage.currentRevision()) },
            },
          })}\n`,
        );
      }, 1_000);
    }
    const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? '0');
    if (timeoutSeconds > 0) timeout = setTimeout(end, timeoutSeconds * 1_000);
  }

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;

  async function request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<FakeKubeResponse> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as KubeObject };
  }

  async function call(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<KubeObject> {
    const response = await request(method, path, body, contentType);
    if (response.status >= 300) {
      throw new Error(`${method} ${path} answered ${response.status}: ${String(response.body.message)}`);
    }
    return response.body;
  }

  return {
    url: baseUrl,
    token,
    kubeconfig: (user = token) =>
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: fake`,
        `  cluster: {server: "${baseUrl}", insecure-skip-tls-verify: true}`,
        'users:',
        `- name: fake-admin`,
        `  user: {token: "${user}"}`,
        'contexts:',
        '- name: fake',
        '  context: {cluster: fake, user: fake-admin}',
        'current-context: fake',
        '',
      ].join('\n'),
    request,
    call,
    async apply(collectionPath, object) {
      const name = object.metadata?.name ?? '';
      const found = await request('GET', `${collectionPath}/${name}`);
      if (found.status === 404) return call('POST', collectionPath, object);
      const { resourceVersion: _ignored, ...meta } = object.metadata ?? {};
      return call('PUT', `${collectionPath}/${name}`, { ...object, metadata: meta });
    },
    compact: () => storage.compact(),
    closeWatches: () => {
      for (const res of watches) res.destroy();
    },
    suspendWatches: () => {
      watchesSuspended = true;
      for (const res of watches) res.destroy();
    },
    resumeWatches: () => {
      watchesSuspended = false;
    },
    openWatches: () => watches.size,
    watchRequests: () => new Map(watchCounts),
    resourceVersion: () => storage.currentRevision(),
    close: () =>
      new Promise<void>((resolvePromise) => {
        for (const res of watches) res.destroy();
        server.closeAllConnections();
        server.close(() => resolvePromise());
      }),
  };
}

function apiVersionOf(type: FakeResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

function withTypeMeta(type: FakeResourceType, object: KubeObject): KubeObject {
  return { ...object, apiVersion: apiVersionOf(type), kind: type.kind };
}

function statusOf(error: FakeKubeError): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Status',
    metadata: {},
    status: 'Failure',
    message: error.message,
    reason: error.reason,
    ...(error.details === undefined ? {} : { details: error.details }),
    code: error.code,
  };
}

function send(res: ServerResponse, status: number, body: KubeObject): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendStatus(res: ServerResponse, error: FakeKubeError): void {
  send(res, error.code, statusOf(error));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new FakeKubeError(400, 'BadRequest', 'the body is not valid JSON');
  }
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return structuredClone(patch);
  const result: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}
