/**
 * zmctl's client of the control plane's REST API. Every failure becomes a `MeshError`: a refusal
 * carries the server's title, code and field causes; a control plane that cannot be reached is
 * `Unavailable` with "cannot reach the control plane at URL: ..." (the dispatcher exits 3).
 * Answers are schema-checked: they come from the network.
 */
import { readFile } from 'node:fs/promises';
import {
  MeshError,
  httpStatusByCode,
  isMeshScoped,
  type KindDescriptor,
  type MeshErrorCode,
} from '@zonemesh/api';
import { trustCertificateAuthority } from '@zonemesh/runtime';
import * as z from 'zod';
import { UsageError } from './command.js';
import type { GlobalOptions } from './global-options.js';

/** How long one request may take before the control plane counts as unreachable. */
const requestTimeoutMs = 30_000;

const ErrorBodySchema = z.object({
  title: z.string(),
  details: z.string().optional(),
  causes: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/** A list answer: `{"total","items","next"}`. */
export const ListBodySchema = z.object({
  total: z.number(),
  items: z.array(z.record(z.string(), z.unknown())),
  next: z.string().nullable().optional(),
});

/** One resource or item of a list, in Universal form (or a zone overview). */
export type ResourceJson = Readonly<Record<string, unknown>>;

/** A successful answer. */
export interface CpResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface RequestOptions {
  /** Sent as JSON. */
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string>>;
}

export interface ControlPlaneClient {
  /** The control plane's base URL, as given (`--cp`). */
  readonly baseUrl: string;
  /** One request; resolves on 2xx, throws `MeshError` otherwise. */
  request(
    method: 'GET' | 'PUT' | 'DELETE' | 'POST',
    path: string,
    options?: RequestOptions,
  ): Promise<CpResponse>;
  /** GETs a list endpoint and follows `next` until the last page; returns every item. */
  listAll(path: string): Promise<ResourceJson[]>;
}

/**
 * Makes a client from the global options. Reads `--token-file` now (a missing or empty file is a
 * usage error) and sends it as a Bearer token on every request. With `--ca-cert-file`, HTTPS
 * control planes are verified against that CA (instead of the system roots).
 */
export async function createControlPlaneClient(options: GlobalOptions): Promise<ControlPlaneClient> {
  const token = options.tokenFile === undefined ? undefined : await readToken(options.tokenFile);
  if (options.caCertFile !== undefined) trustCertificateAuthority(await readCa(options.caCertFile));
  const baseUrl = options.cp.replace(/\/+$/, '');

  const request: ControlPlaneClient['request'] = async (method, path, requestOptions = {}) => {
    const url = new URL(`${baseUrl}${path}`);
    for (const [name, value] of Object.entries(requestOptions.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (requestOptions.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers,
        signal: AbortSignal.timeout(requestTimeoutMs),
        ...(requestOptions.body === undefined ? {} : { body: JSON.stringify(requestOptions.body) }),
      });
      text = await response.text();
    } catch (err) {
      const reason = reasonOf(err);
      const hint = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(reason)
        ? ' (its HTTPS certificate is not trusted: pass the CA with --ca-cert-file)'
        : '';
      throw new MeshError('Unavailable', `cannot reach the control plane at ${baseUrl}: ${reason}${hint}`, {
        cause: err,
      });
    }
    const body = parseJson(text);
    if (response.ok) return { status: response.status, body };
    throw refusal(response.status, body, `${method} ${url.pathname}`);
  };

  return {
    baseUrl,
    request,
    async listAll(path) {
      const items: ResourceJson[] = [];
      let query: Record<string, string> = {};
      for (let page = 0; page < 10_000; page++) {
        const { body } = await request('GET', path, { query });
        const list = ListBodySchema.safeParse(body);
        if (!list.success) throw unexpectedAnswer(path);
        items.push(...list.data.items);
        if (list.data.next === null || list.data.next === undefined) return items;
        query = Object.fromEntries(new URL(list.data.next).searchParams);
      }
      throw unexpectedAnswer(path);
    },
  };
}

/**
 * The REST path of a kind's list (no `name`) or of one resource: `/meshes[/{name}]`,
 * `/meshes/{mesh}/{plural}[/{name}]` for mesh-scoped kinds, `/{plural}[/{name}]` otherwise.
 */
export function resourcePath(
  descriptor: KindDescriptor,
  target: { readonly name?: string; readonly mesh?: string },
): string {
  const name = target.name === undefined ? '' : `/${encodeURIComponent(target.name)}`;
  if (descriptor.type === 'Mesh' || !isMeshScoped(descriptor.type)) return `/${descriptor.plural}${name}`;
  return `/meshes/${encodeURIComponent(target.mesh ?? 'default')}/${descriptor.plural}${name}`;
}

async function readCa(file: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--ca-cert-file: cannot read ${file}: ${reasonOf(err)}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`--ca-cert-file: ${file} holds no PEM certificate`);
  }
  return pem;
}

async function readToken(file: string): Promise<string> {
  let token: string;
  try {
    token = (await readFile(file, 'utf8')).trim();
  } catch (err) {
    throw new UsageError(`--token-file: cannot read ${file}: ${reasonOf(err)}`);
  }
  if (token === '') throw new UsageError(`--token-file: ${file} is empty`);
  return token;
}

/** The MeshError for a non-2xx answer, keeping the server's title and causes. */
function refusal(status: number, body: unknown, what: string): MeshError {
  const parsed = ErrorBodySchema.safeParse(body);
  const code = codeOf(status, parsed.success ? parsed.data.details : undefined);
  if (!parsed.success) return new MeshError(code, `the control plane answered ${what} with HTTP ${status}`);
  return new MeshError(code, parsed.data.title, { causes: parsed.data.causes ?? [] });
}

const codeByStatus: ReadonlyMap<number, MeshErrorCode> = new Map(
  (Object.entries(httpStatusByCode) as [MeshErrorCode, number][])
    .filter(([code]) => code !== 'UnsupportedKind' && code !== 'Incompatible' && code !== 'Conflict')
    .map(([code, status]) => [status, code]),
);

function codeOf(status: number, details: string | undefined): MeshErrorCode {
  // A 503 from a control plane that answered (its store is down) is a refusal, not "unreachable":
  // zmctl exits 1 with the server's sentence, and keeps `Unavailable` (exit 3) for no answer at all.
  if (status === 503 || details === 'Unavailable') return 'Internal';
  if (details !== undefined && details in httpStatusByCode) return details as MeshErrorCode;
  return codeByStatus.get(status) ?? 'Internal';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function unexpectedAnswer(path: string): MeshError {
  return new MeshError(
    'Internal',
    `the control plane answered GET ${path} with something that is not a list`,
  );
}

/** The most specific reason: `ECONNREFUSED`, a DNS failure, a timeout. */
function reasonOf(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError')
    return `no answer within ${requestTimeoutMs / 1000}s`;
  const cause = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
  const errno = (err as NodeJS.ErrnoException | undefined)?.code ?? cause?.code;
  const message = cause?.message ?? (err instanceof Error ? err.message : String(err));
  return errno !== undefined && !message.includes(errno) ? `${errno} ${message}` : message;
}
