/**
 * The proxy's side of the dataplane protocol (docs/dataplane-protocol.md): JSON requests to the zone
 * control plane's dataplane server and the long-lived NDJSON config stream, kept open by a
 * session that registers, streams, and reconnects with backoff for as long as the proxy runs.
 * Every answer is schema-validated; a refusal becomes a `MeshError` with the server's causes.
 */
import { DpErrorResponseSchema, MeshError, type MeshErrorCode, toMeshError } from '@zonemesh/api';
import type { Logger } from '@zonemesh/runtime';
import type * as z from 'zod';

/** Where the control plane is and how to authenticate to it. */
export interface ControlPlaneLinkOptions {
  /** `--cp-address`, e.g. `http://127.0.0.1:5678`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` when given. */
  readonly token?: string | undefined;
  /** Per request (not the stream); default 10 000 ms. */
  readonly requestTimeoutMs?: number;
  /** The stream is considered dead after this long without a line (pings come every 10 s); default 35 000 ms. */
  readonly streamSilenceMs?: number;
}

/** Requests to one control plane. */
export interface ControlPlaneLink {
  /**
   * POSTs `body` as JSON and validates the answer with `schema` (a 204 gives undefined). Rejects
   * with a `MeshError` whose code follows the HTTP status (`InvalidInput` 400 with the server's
   * causes, `NotFound` 404, `Unavailable` 503 and unreachable, ...).
   */
  post<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.output<S> | undefined>;
  /**
   * Opens `GET /v1/stream?<query>` and calls `onMessage` with each line that `schema` accepts
   * (`onInvalid` for the others). Resolves when the server ends the stream; rejects when it
   * cannot be opened (404 until registered), when it goes silent, or when `signal` aborts.
   */
  stream<S extends z.ZodType>(
    query: Readonly<Record<string, string>>,
    schema: S,
    handlers: { onOpen(): void; onMessage(message: z.output<S>): void; onInvalid(error: MeshError): void },
    signal: AbortSignal,
  ): Promise<void>;
}

/** Makes a link; nothing is sent until a method is called. */
export function createControlPlaneLink(options: ControlPlaneLinkOptions): ControlPlaneLink {
  const base = options.baseUrl.replace(/\/+$/, '');
  const headers: Record<string, string> =
    options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const silenceMs = options.streamSilenceMs ?? 35_000;

  return {
    async post(path, body, schema) {
      let response: Response;
      try {
        response = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
      } catch (err) {
        throw unreachable(base, err);
      }
      if (!response.ok) throw await refusal(response, `POST ${path}`);
      if (response.status === 204) return undefined;
      const parsed = schema.safeParse(await response.json().catch(() => undefined));
      if (!parsed.success) {
        throw new MeshError('Incompatible', `control plane answered POST ${path} with an unexpected body`, {
          causes: parsed.error.issues.map((issue) => ({
            field: issue.path.join('.'),
            message: issue.message,
          })),
        });
      }
      return parsed.data;
    },

    async stream(query, schema, handlers, signal) {
      const watchdog = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const feed = () => {
        clearTimeout(timer);
        timer = setTimeout(
          () => watchdog.abort(new MeshError('Unavailable', `config stream silent for ${silenceMs} ms`)),
          silenceMs,
        );
      };
      const both = AbortSignal.any([signal, watchdog.signal]);
      try {
        feed();
        let response: Response;
        try {
          response = await fetch(`${base}/v1/stream?${new URLSearchParams(query).toString()}`, {
            headers: { ...headers, accept: 'application/x-ndjson' },
            signal: both,
          });
        } catch (err) {
          throw unreachable(base, watchdog.signal.aborted ? watchdog.signal.reason : err);
        }
        if (!response.ok || response.body === null) throw await refusal(response, 'GET /v1/stream');
        handlers.onOpen();
        const decoder = new TextDecoder();
        let pending = '';
        try {
          for await (const chunk of response.body) {
            feed();
            pending += decoder.decode(chunk, { stream: true });
            for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
              const line = pending.slice(0, newline).trim();
              pending = pending.slice(newline + 1);
              if (line !== '') deliver(line, schema, handlers);
            }
          }
        } catch (err) {
          if (signal.aborted) throw signal.reason;
          throw new MeshError('Unavailable', 'config stream broke', {
            cause: watchdog.signal.aborted ? watchdog.signal.reason : err,
          });
        }
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function deliver<S extends z.ZodType>(
  line: string,
  schema: S,
  handlers: { onMessage(message: z.output<S>): void; onInvalid(error: MeshError): void },
): void {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    handlers.onInvalid(new MeshError('InvalidInput', 'config stream line is not JSON'));
    return;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) handlers.onMessage(parsed.data);
  else {
    handlers.onInvalid(
      new MeshError('InvalidInput', 'config stream line does not match the protocol', {
        causes: parsed.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
      }),
    );
  }
}

const codeByStatus: Readonly<Record<number, MeshErrorCode>> = {
  400: 'InvalidInput',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'TooLarge',
};

async function refusal(response: Response, what: string): Promise<MeshError> {
  const body = DpErrorResponseSchema.safeParse(await response.json().catch(() => undefined));
  const code = codeByStatus[response.status] ?? (response.status >= 500 ? 'Unavailable' : 'Internal');
  const title = body.success ? body.data.title : `HTTP ${response.status}`;
  return new MeshError(code, `control plane refused ${what}: ${title}`, {
    causes: body.success ? (body.data.causes ?? []) : [],
  });
}

function unreachable(base: string, err: unknown): MeshError {
  const cause = err instanceof Error && 'cause' in err && err.cause instanceof Error ? err.cause : err;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new MeshError('Unavailable', `control plane ${base} unreachable: ${detail}`, { cause: err });
}

/** How a session reconnects: exponential backoff with jitter. */
export interface Backoff {
  /** Default 250 ms. */
  readonly minMs?: number;
  /** Default 10 000 ms. */
  readonly maxMs?: number;
}

/** What {@link runSession} does on each connection. */
export interface SessionOptions<S extends z.ZodType, R> {
  readonly link: ControlPlaneLink;
  readonly log: Logger;
  /** Registers (or re-registers: the server makes that a no-op) before each stream. */
  register(): Promise<R>;
  /** The stream query for a registration. */
  query(registration: R): Readonly<Record<string, string>>;
  readonly schema: S;
  onMessage(message: z.output<S>): void;
  /** The stream opened (true) or is gone (false): the proxy serves its last config meanwhile. */
  onConnected(connected: boolean): void;
  readonly backoff?: Backoff;
  readonly signal: AbortSignal;
}

/**
 * Registers, streams, and on any failure waits (backoff, reset once a stream delivered
 * something) and starts over, until `signal` aborts. Never rejects: every failure is logged and
 * retried, since a proxy must keep serving and come back by itself. Invalid registrations
 * (`InvalidInput`) are retried too, slowly: the control plane may be a newer version.
 */
export async function runSession<S extends z.ZodType, R>(options: SessionOptions<S, R>): Promise<void> {
  const minMs = options.backoff?.minMs ?? 250;
  const maxMs = options.backoff?.maxMs ?? 10_000;
  let delayMs = minMs;
  let failures = 0;
  const { signal, log } = options;
  while (!signal.aborted) {
    let delivered = false;
    let opened = false;
    try {
      const registration = await options.register();
      await options.link.stream(
        options.query(registration),
        options.schema,
        {
          onOpen() {
            opened = true;
            options.onConnected(true);
          },
          onMessage(message) {
            delivered = true;
            options.onMessage(message);
          },
          onInvalid(error) {
            log.warn({ err: error.message, causes: error.causes }, 'ignored an invalid config stream line');
          },
        },
        signal,
      );
      if (!signal.aborted) log.info('config stream ended by the control plane; reconnecting');
    } catch (err) {
      if (signal.aborted) break;
      const error = toMeshError(err);
      failures++;
      // The first failure and every tenth are warnings; the rest are noise while the CP is away.
      const level = failures === 1 || failures % 10 === 0 ? 'warn' : 'debug';
      log[level](
        { err: error.message, code: error.code, causes: error.causes, failures },
        'control plane link failed; retrying',
      );
    } finally {
      if (opened) options.onConnected(false);
    }
    if (delivered) {
      delayMs = minMs;
      failures = 0;
    }
    await sleep(jittered(delayMs), signal);
    delayMs = Math.min(maxMs, delayMs * 2);
  }
}

function jittered(ms: number): number {
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
