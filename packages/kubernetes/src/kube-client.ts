/**
 * A small Kubernetes REST client over `node:http(s)`: JSON requests and `?watch=true` streams for
 * any resource path, authenticated with what a client-node `KubeConfig` provides (CA, client
 * certificate, bearer token, exec and token-file providers). Every failure becomes a `MeshError`:
 * 404 `NotFound`, 409 `AlreadyExists`/`Conflict`, 410 `HistoryGone`, 400/422 `InvalidInput`,
 * 401 `Unauthenticated`, 403 `Forbidden`, unreachable or 5xx `Unavailable` (retryable).
 */
import { type IncomingMessage, request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { MeshError, type MeshErrorCode } from '@zonemesh/api';

/** A Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: KubeMeta;
  [field: string]: unknown;
}

/** The object metadata fields zonemesh reads and writes. */
export interface KubeMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: unknown[];
  [field: string]: unknown;
}

/** A list answer: its items and the resourceVersion a watch continues from. */
export interface KubeList {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
}

/** One event of a watch stream. `BOOKMARK` only moves the resourceVersion. */
export interface KubeWatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  readonly object: KubeObject;
}

export interface KubeWatchOptions {
  /** Continue after this resourceVersion; empty: current objects as ADDED, then live. */
  readonly resourceVersion: string;
  readonly labelSelector?: string;
  readonly signal: AbortSignal;
  /** Ask the server to end the stream after this long (the caller then resumes). */
  readonly timeoutSeconds?: number;
}

/** What zonemesh needs of the API server. Paths are absolute (`/api/v1/namespaces/ns/pods`). */
export interface KubeClient {
  /** The API server URL. */
  readonly server: string;
  /** The object, or undefined on 404. */
  get(path: string): Promise<KubeObject | undefined>;
  list(path: string, options?: { readonly labelSelector?: string }): Promise<KubeList>;
  create(collectionPath: string, object: KubeObject): Promise<KubeObject>;
  /** PUT; fails with `Conflict` when `metadata.resourceVersion` is stale. */
  replace(path: string, object: KubeObject): Promise<KubeObject>;
  /** JSON merge patch (RFC 7386). */
  mergePatch(path: string, patch: unknown): Promise<KubeObject>;
  /** Fails with `NotFound`, or `Conflict` when the resourceVersion precondition is stale. */
  delete(path: string, options?: { readonly resourceVersion?: string }): Promise<void>;
  /**
   * Events after `resourceVersion` until the server ends the stream or the signal aborts (the
   * iterator then returns). Throws `HistoryGone` when the server answers 410 (status or ERROR
   * event), `Unavailable` when it cannot be reached.
   */
  watch(path: string, options: KubeWatchOptions): AsyncIterable<KubeWatchEvent>;
}

/** Makes a client for the current context of `kubeConfig`. */
export function createKubeClient(kubeConfig: KubeConfig): KubeClient {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new MeshError('InvalidInput', 'the kubeconfig has no current cluster');
  const server = cluster.server.replace(/\/+$/, '');

  async function open(
    method: string,
    path: string,
    body?: string,
    contentType?: string,
  ): Promise<IncomingMessage> {
    const url = new URL(`${server}${path}`);
    const options: RequestOptions & { agent?: unknown } = {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined
          ? {}
          : { 'content-type': contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) }),
      },
    };
    await kubeConfig.applyToHTTPSOptions(options as Parameters<KubeConfig['applyToHTTPSOptions']>[0]);
    const https = url.protocol === 'https:';
    if (!https) delete options.agent;
    const send = https ? httpsRequest : httpRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(url, options as RequestOptions, resolve);
      req.on('error', (err) =>
        reject(
          new MeshError('Unavailable', `the Kubernetes API at ${server} is unreachable: ${err.message}`, {
            cause: err,
          }),
        ),
      );
      req.end(body);
    });
  }

  async function json(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<KubeObject> {
    const res = await open(method, path, body === undefined ? undefined : JSON.stringify(body), contentType);
    const text = await readAll(res);
    const status = res.statusCode ?? 0;
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new MeshError(
        'Unavailable',
        `the Kubernetes API answered ${method} ${path} with ${status} and no JSON`,
      );
    }
    if (status >= 200 && status < 300) return parsed as KubeObject;
    throw statusError(status, parsed, `${method} ${path}`);
  }

  return {
    server,
    async get(path) {
      try {
        return await json('GET', path);
      } catch (err) {
        if (err instanceof MeshError && err.code === 'NotFound') return undefined;
        throw err;
      }
    },
    async list(path, options = {}) {
      const query =
        options.labelSelector === undefined
          ? ''
          : `?labelSelector=${encodeURIComponent(options.labelSelector)}`;
      const answer = await json('GET', `${path}${query}`);
      const items = Array.isArray(answer.items) ? (answer.items as KubeObject[]) : [];
      return { items, resourceVersion: answer.metadata?.resourceVersion ?? '' };
    },
    create: (collectionPath, object) => json('POST', collectionPath, object),
    replace: (path, object) => json('PUT', path, object),
    mergePatch: (path, patch) => json('PATCH', path, patch, 'application/merge-patch+json'),
    async delete(path, options = {}) {
      const body =
        options.resourceVersion === undefined
          ? undefined
          : {
              apiVersion: 'v1',
              kind: 'DeleteOptions',
              preconditions: { resourceVersion: options.resourceVersion },
            };
      await json('DELETE', path, body);
    },
    watch(path, options) {
      return watchStream(path, options);
    },
  };

  async function* watchStream(path: string, options: KubeWatchOptions): AsyncGenerator<KubeWatchEvent> {
    const params = new URLSearchParams({ watch: 'true', allowWatchBookmarks: 'true' });
    if (options.resourceVersion !== '') params.set('resourceVersion', options.resourceVersion);
    if (options.labelSelector !== undefined) params.set('labelSelector', options.labelSelector);
    if (options.timeoutSeconds !== undefined) params.set('timeoutSeconds', String(options.timeoutSeconds));
    if (options.signal.aborted) return;
    const res = await open('GET', `${path}?${params.toString()}`);
    const abort = (): void => {
      res.destroy();
    };
    options.signal.addEventListener('abort', abort, { once: true });
    try {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        const text = await readAll(res);
        let parsed: unknown = {};
        try {
          parsed = JSON.parse(text);
        } catch {
          // A non-JSON error body: the status code says enough.
        }
        throw statusError(status, parsed, `watch ${path}`);
      }
      for await (const line of streamLines(res, options.signal)) {
        if (line.trim() === '') continue;
        let event: { type?: string; object?: KubeObject };
        try {
          event = JSON.parse(line) as typeof event;
        } catch {
          throw new MeshError('Unavailable', `the watch of ${path} sent a line that is not JSON`);
        }
        if (event.type === 'ERROR')
          throw statusError(Number(event.object?.code ?? 500), event.object, `watch ${path}`);
        if (
          (event.type === 'ADDED' ||
            event.type === 'MODIFIED' ||
            event.type === 'DELETED' ||
            event.type === 'BOOKMARK') &&
          typeof event.object === 'object'
        ) {
          yield { type: event.type, object: event.object };
        }
      }
    } finally {
      options.signal.removeEventListener('abort', abort);
      res.destroy();
    }
  }
}

/**
 * The lines of a streamed body. Ends when the body ends or `signal` aborts; throws `Unavailable`
 * when the connection breaks first (a watch must then resume, not take the silence as the end).
 */
async function* streamLines(res: IncomingMessage, signal: AbortSignal): AsyncGenerator<string> {
  const queue: string[] = [];
  let buffered = '';
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      queue.push(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
    notify();
  });
  res.on('end', () => {
    if (buffered !== '') queue.push(buffered);
    ended = true;
    notify();
  });
  const broken = (err?: Error): void => {
    if (!ended)
      failure ??= new MeshError(
        'Unavailable',
        `the watch connection broke${err === undefined ? '' : `: ${err.message}`}`,
      );
    notify();
  };
  res.on('error', broken);
  res.on('close', () => broken());
  signal.addEventListener('abort', notify, { once: true });
  try {
    for (;;) {
      const line = queue.shift();
      if (line !== undefined) {
        yield line;
        continue;
      }
      if (signal.aborted || ended) return;
      if (failure !== undefined) throw failure;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal.removeEventListener('abort', notify);
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/** A `Status` answer as a MeshError, keeping the API server's message. */
function statusError(status: number, body: unknown, what: string): MeshError {
  const reason = (body as { reason?: unknown } | undefined)?.reason;
  const message = (body as { message?: unknown } | undefined)?.message;
  const text = `${what}: ${typeof message === 'string' && message !== '' ? message : `status ${status}`}`;
  let code: MeshErrorCode;
  if (status === 404) code = 'NotFound';
  else if (status === 409) code = reason === 'AlreadyExists' ? 'AlreadyExists' : 'Conflict';
  else if (status === 410) code = 'HistoryGone';
  else if (status === 400 || status === 422) code = 'InvalidInput';
  else if (status === 401) code = 'Unauthenticated';
  else if (status === 403) code = 'Forbidden';
  else if (status === 405) code = 'MethodNotAllowed';
  else code = 'Unavailable';
  return new MeshError(code, text, { cause: body });
}

/** The path of a collection: core (`/api/v1`) or grouped (`/apis/G/V`), optionally namespaced. */
export function collectionPath(apiVersion: string, plural: string, namespace?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace === undefined ? `${base}/${plural}` : `${base}/namespaces/${namespace}/${plural}`;
}
