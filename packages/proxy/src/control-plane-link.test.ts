import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMeshError, type MeshError, ProxyStreamMessageSchema, RegisterResponseSchema } from '@zonemesh/api';
import { createLogger } from '@zonemesh/runtime';
import { freePort } from '@zonemesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createControlPlaneLink, runSession } from './control-plane-link.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
  server = undefined;
});

async function serve(handler: (path: string, res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => handler(req.url ?? '/', res));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function errorOf(promise: Promise<unknown>): Promise<MeshError> {
  try {
    await promise;
  } catch (err) {
    if (isMeshError(err)) return err;
    throw err;
  }
  throw new Error('did not reject');
}

const config = {
  v: '1',
  version: 'abc',
  mesh: 'default',
  name: 'dp',
  zone: 'zone-1',
  mtls: { enabled: false },
  inbounds: [],
  outbounds: [],
};

describe('control plane link', () => {
  it("turns a refusal into a MeshError with the server's causes", async () => {
    const base = await serve((_, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          title: 'resource is invalid',
          details: 'InvalidInput',
          causes: [{ field: 'networking', message: 'bad' }],
        }),
      );
    });
    const error = await errorOf(
      createControlPlaneLink({ baseUrl: base }).post('/v1/register', {}, RegisterResponseSchema),
    );
    expect(error.code).toBe('InvalidInput');
    expect(error.message).toContain('resource is invalid');
    expect(error.causes).toEqual([{ field: 'networking', message: 'bad' }]);
  });

  it('reports an unreachable control plane as Unavailable', async () => {
    const link = createControlPlaneLink({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    expect((await errorOf(link.post('/v1/register', {}, RegisterResponseSchema))).code).toBe('Unavailable');
  });

  it('delivers valid stream lines, reports invalid ones, and gives up on a silent stream', async () => {
    const base = await serve((_, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(
        `${JSON.stringify({ type: 'config', config })}\n{"type":"ping"}\n{"type":"config"}\nnot json\n`,
      );
    });
    const messages: string[] = [];
    const invalid: string[] = [];
    const link = createControlPlaneLink({ baseUrl: base, streamSilenceMs: 300 });
    const error = await errorOf(
      link.stream(
        { kind: 'Dataplane', mesh: 'default', name: 'dp' },
        ProxyStreamMessageSchema,
        {
          onOpen: () => messages.push('open'),
          onMessage: (message) => messages.push(message.type),
          onInvalid: (err) => invalid.push(err.message),
        },
        new AbortController().signal,
      ),
    );
    expect(messages).toEqual(['open', 'config', 'ping']);
    expect(invalid).toEqual([
      'config stream line does not match the protocol',
      'config stream line is not JSON',
    ]);
    expect(error.code).toBe('Unavailable');
  });

  it('re-registers and reconnects after the stream ends or is refused, until stopped', async () => {
    const calls: string[] = [];
    let streams = 0;
    const base = await serve((path, res) => {
      calls.push(path.split('?')[0] ?? '');
      if (path.startsWith('/v1/register')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ v: '1', name: 'dp', mesh: 'default', zone: 'zone-1' }));
        return;
      }
      streams++;
      if (streams === 1) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end('{"title":"not registered","details":"NotFound"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(`${JSON.stringify({ type: 'config', config })}\n`);
    });
    const stop = new AbortController();
    const connected: boolean[] = [];
    const link = createControlPlaneLink({ baseUrl: base });
    let configs = 0;
    const session = runSession({
      link,
      log: createLogger({ level: 'silent' }),
      signal: stop.signal,
      schema: ProxyStreamMessageSchema,
      backoff: { minMs: 10, maxMs: 20 },
      register: () => link.post('/v1/register', {}, RegisterResponseSchema),
      query: () => ({ kind: 'Dataplane', mesh: 'default', name: 'dp' }),
      onMessage: () => {
        configs++;
        if (configs === 2) stop.abort();
      },
      onConnected: (value) => connected.push(value),
    });
    await session;
    expect(calls.slice(0, 6)).toEqual([
      '/v1/register',
      '/v1/stream',
      '/v1/register',
      '/v1/stream',
      '/v1/register',
      '/v1/stream',
    ]);
    expect(connected.slice(0, 2)).toEqual([true, false]);
  });
});
