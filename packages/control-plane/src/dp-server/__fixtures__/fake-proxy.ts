/**
 * A fake proxy speaking the dataplane protocol over real HTTP, for tests: it registers, holds a
 * config stream (every line schema-checked), reports health and asks for certificates.
 */
import { get, type IncomingMessage } from 'node:http';
import { IngressStreamMessageSchema, ProxyStreamMessageSchema } from '@zonemesh/api';

/** A JSON answer. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** One received stream line and when it arrived. */
export interface StreamLine {
  readonly at: number;
  readonly message: Record<string, unknown> & { type: string };
}

/** An open config stream. */
export interface FakeStream {
  readonly query: Readonly<Record<string, string>>;
  readonly response: IncomingMessage;
  readonly lines: StreamLine[];
  /** The next line (after those already taken) matching `accept`, within `timeoutMs`. */
  next(accept?: (line: StreamLine) => boolean, timeoutMs?: number): Promise<StreamLine>;
  close(): void;
}

/** POSTs JSON to the dataplane server. */
export async function post(base: string, path: string, body: unknown): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** Opens `GET /v1/stream?...`; resolves once the headers arrived (rejects on a non-200 answer). */
export function openStream(base: string, query: Record<string, string>): Promise<FakeStream> {
  const url = `${base}/v1/stream?${new URLSearchParams(query).toString()}`;
  const schema = query.kind === 'ZoneIngress' ? IngressStreamMessageSchema : ProxyStreamMessageSchema;
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false }, (response) => {
      if (response.statusCode !== 200) {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        response.on('end', () => reject(new Error(`stream refused: ${response.statusCode} ${text}`)));
        return;
      }
      const lines: StreamLine[] = [];
      let taken = 0;
      let buffer = '';
      let wake: (() => void) | undefined;
      response.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
          const text = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          const parsed = schema.parse(JSON.parse(text));
          lines.push({ at: Date.now(), message: parsed as StreamLine['message'] });
        }
        wake?.();
      });
      response.on('error', () => undefined);
      resolve({
        query,
        response,
        lines,
        async next(accept = () => true, timeoutMs = 5_000) {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            while (taken < lines.length) {
              const line = lines[taken++];
              if (line !== undefined && accept(line)) return line;
            }
            const left = deadline - Date.now();
            if (left <= 0)
              throw new Error(`no matching stream line within ${timeoutMs} ms (${lines.length} lines)`);
            await new Promise<void>((done) => {
              const timer = setTimeout(done, left);
              wake = () => {
                clearTimeout(timer);
                done();
              };
            });
          }
        },
        close() {
          request.destroy();
        },
      });
    });
    request.on('error', reject);
  });
}

/** A config line (not a ping). */
export function isConfig(line: StreamLine): boolean {
  return line.message.type === 'config';
}
