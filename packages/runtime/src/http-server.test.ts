import { MeshError } from '@zonemesh/api';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, isLoopback } from './http-server.js';
import { createMetricsRegistry } from './metrics.js';
import { createRouter } from './router.js';

const controller = new AbortController();
const metrics = createMetricsRegistry({ defaultMetrics: false });
const router = createRouter()
  .get('/hello/:name', (req) => ({ body: { hello: req.params.name, size: req.query.get('size') } }))
  .put('/echo', async (req) => ({ status: 201, body: { got: await req.body() } }))
  .get('/boom', () => {
    throw new Error('kaboom');
  })
  .get('/refuse', () => {
    throw new MeshError('InvalidInput', 'resource is not valid', {
      causes: [{ field: 'sources[0].match', message: 'must have at least one tag' }],
    });
  })
  .get('/text', () => ({ body: 'plain\n' }));
const server = createHttpServer({
  name: 'test-server',
  address: { host: '127.0.0.1', port: 0 },
  router,
  log: pino({ level: 'silent' }),
  metrics,
  bodyLimitBytes: 64,
});
let base = '';
let done: Promise<void>;

beforeAll(async () => {
  ({ done } = await server.start(controller.signal));
  base = `http://127.0.0.1:${server.address()?.port}`;
});
afterAll(async () => {
  controller.abort();
  await done;
});

describe('http server', () => {
  it('routes with params and query', async () => {
    const res = await fetch(`${base}/hello/web?size=3`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ hello: 'web', size: '3' });
  });

  it('decodes JSON and YAML bodies, by content type or sniffed', async () => {
    const put = (body: string, type?: string) =>
      fetch(`${base}/echo`, {
        method: 'PUT',
        body,
        headers: type === undefined ? {} : { 'content-type': type },
      });
    expect(await (await put('{"a":1}', 'application/json')).json()).toEqual({ got: { a: 1 } });
    expect(await (await put('a: 1\nb: [x]\n', 'application/yaml')).json()).toEqual({
      got: { a: 1, b: ['x'] },
    });
    expect(await (await put('a: 2\n')).json()).toEqual({ got: { a: 2 } });
  });

  it('answers malformed bodies with 400 naming where', async () => {
    const res = await fetch(`${base}/echo`, {
      method: 'PUT',
      body: 'a: [1\n',
      headers: { 'content-type': 'text/yaml' },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { title: string; details: string };
    expect(body.details).toBe('InvalidInput');
    expect(body.title).toMatch(/^request body is not valid YAML: .* at line 2, column 1$/);
    const json = await fetch(`${base}/echo`, {
      method: 'PUT',
      body: '{"a":',
      headers: { 'content-type': 'application/json' },
    });
    expect(json.status).toBe(400);
  });

  it('refuses bodies over the limit with 413', async () => {
    const res = await fetch(`${base}/echo`, { method: 'PUT', body: 'x'.repeat(1000) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { details: string }).details).toBe('TooLarge');
  });

  it('turns thrown errors into MeshError responses', async () => {
    const refused = await fetch(`${base}/refuse`);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      title: 'resource is not valid',
      details: 'InvalidInput',
      causes: [{ field: 'sources[0].match', message: 'must have at least one tag' }],
    });
    const boom = await fetch(`${base}/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.json()).toMatchObject({ details: 'Internal', causes: [] });
  });

  it('answers 404 for unknown paths and 405 with Allow for wrong methods', async () => {
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
    const wrong = await fetch(`${base}/boom`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
  });

  it('writes string bodies as text', async () => {
    const res = await fetch(`${base}/text`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toBe('plain\n');
  });

  it('counts requests by route pattern and status', async () => {
    await fetch(`${base}/hello/a`);
    const text = await metrics.metrics();
    expect(text).toMatch(/http_requests_total\{route="\/hello\/:name",method="GET",status="200"\} \d+/);
    expect(text).toContain('http_request_duration_seconds_bucket');
  });
});

describe('server shutdown', () => {
  it('stops listening once the signal aborts', async () => {
    const stop = new AbortController();
    const local = createHttpServer({
      name: 'short',
      address: { host: '127.0.0.1', port: 0 },
      router: createRouter().get('/', () => ({ body: 'up' })),
      log: pino({ level: 'silent' }),
    });
    const running = await local.start(stop.signal);
    const url = `http://127.0.0.1:${local.address()?.port}/`;
    expect(await (await fetch(url)).text()).toBe('up');
    stop.abort();
    await running.done;
    await expect(fetch(url)).rejects.toThrow('fetch failed');
  });

  it('recognises loopback peers', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('10.0.0.1')).toBe(false);
    expect(isLoopback(undefined)).toBe(false);
  });
});
