/**
 * The GUI's client of its control plane's REST API (same origin, relative paths). Every failure
 * becomes an {@link ApiError}: `unreachable` when no answer came (the CP is down or the network
 * is), `refused` with the server's sentence and field causes otherwise. Answers are checked for
 * the shape the page reads before use: they come from the network.
 */

/** A request that did not succeed. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly kind: 'unreachable' | 'refused' | 'unexpected',
    message: string,
    readonly status: number | null = null,
    readonly causes: readonly { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** A list answer: `{"total","items","next"}`. */
export interface ListBody<T> {
  readonly total: number;
  readonly items: readonly T[];
  readonly next: string | null;
}

/** How long a request may take before the control plane counts as unreachable. */
const timeoutMs = 8_000;

/** The API's base: the page is served at `/gui/`, the API at the same origin's root. */
function url(path: string): string {
  return new URL(path, window.location.origin).toString();
}

async function send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url(path), {
      method,
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    text = await response.text();
  } catch {
    throw new ApiError('unreachable', 'cannot reach the control plane');
  }
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (response.ok) return parsed;
  if (isRecord(parsed) && typeof parsed.title === 'string') {
    const causes = Array.isArray(parsed.causes) ? parsed.causes.filter(isCause) : [];
    throw new ApiError('refused', parsed.title, response.status, causes);
  }
  // A proxy in front answering 502/504 means the control plane itself is not answering.
  if (response.status === 502 || response.status === 504)
    throw new ApiError('unreachable', 'cannot reach the control plane');
  throw new ApiError(
    'refused',
    `the control plane answered ${method} ${path} with HTTP ${response.status}`,
    response.status,
  );
}

/** GETs a JSON document. */
export function getJson(path: string): Promise<unknown> {
  return send('GET', path);
}

/** POSTs a JSON body and returns the JSON answer. */
export function postJson(path: string, body: unknown): Promise<unknown> {
  return send('POST', path, body);
}

/** GETs a list endpoint and follows `next` to the last page (at most 50 pages of 1000). */
export async function getAll(path: string): Promise<unknown[]> {
  const items: unknown[] = [];
  let offset = 0;
  for (let page = 0; page < 50; page++) {
    const separator = path.includes('?') ? '&' : '?';
    const body = await getJson(`${path}${separator}size=1000&offset=${offset}`);
    if (!isRecord(body) || !Array.isArray(body.items) || typeof body.total !== 'number') {
      throw new ApiError(
        'unexpected',
        `the control plane answered GET ${path} with something that is not a list`,
      );
    }
    items.push(...body.items);
    if (body.next === null || body.next === undefined || body.items.length === 0) return items;
    offset += body.items.length;
  }
  return items;
}

/** Encodes one path segment. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

/** Whether a value is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCause(value: unknown): value is { field: string; message: string } {
  return isRecord(value) && typeof value.field === 'string' && typeof value.message === 'string';
}
