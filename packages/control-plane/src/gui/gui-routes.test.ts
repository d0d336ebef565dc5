/** Serving the GUI's built files: the page, hashed assets, the redirect, and a clear 503 when not built. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpServer, createLogger, createRouter } from '@zonemesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addGuiRoutes } from './gui-routes.js';

let directory = '';
const stops: (() => Promise<void>)[] = [];

async function serve(dir: string): Promise<string> {
  const router = createRouter();
  addGuiRoutes(router, { directory: dir });
  const server = createHttpServer({
    name: 'gui',
    address: { host: '127.0.0.1', port: 0 },
    router,
    log: createLogger({ level: 'silent' }),
  });
  const controller = new AbortController();
  const { done } = await server.start(controller.signal);
  stops.push(async () => {
    controller.abort();
    await done;
  });
  return `http://127.0.0.1:${server.address()?.port}`;
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'zonemesh-gui-'));
  await mkdir(join(directory, 'assets'));
  await writeFile(join(directory, 'index.html'), '<!doctype html><title>zonemesh</title>');
  await writeFile(join(directory, 'favicon.svg'), '<svg/>');
  await writeFile(join(directory, 'assets', 'index-abc123.js'), 'console.log("hi")');
});

afterAll(async () => {
  await Promise.all(stops.map((stop) => stop()));
  await rm(directory, { recursive: true, force: true });
});

describe('GUI routes', () => {
  it('redirects /gui to /gui/ and serves the page with a CSP that allows only this origin', async () => {
    const base = await serve(directory);
    const redirect = await fetch(`${base}/gui`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/gui/');
    const page = await fetch(`${base}/gui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await page.text()).toContain('<title>zonemesh</title>');
  });

  it('serves hashed assets for a year and answers 404 for anything else', async () => {
    const base = await serve(directory);
    const script = await fetch(`${base}/gui/assets/index-abc123.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/gui/favicon.svg`)).headers.get('content-type')).toBe('image/svg+xml');
    expect((await fetch(`${base}/gui/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${base}/gui/assets/..%2Findex.html`)).status).toBe(404);
  });

  it('answers 503 with the fix when the GUI is not built', async () => {
    const base = await serve(join(directory, 'missing'));
    const response = await fetch(`${base}/gui/`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { title: string }).title).toMatch(/run `pnpm build`/);
  });
});
