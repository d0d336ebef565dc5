import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createHttpServer, createLogger, createRouter, trustCertificateAuthority } from '@zonemesh/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultTlsHostnames, loadServerTls, TlsDirFiles } from './server-tls.js';

const dir = mkdtempSync(join(tmpdir(), 'zonemesh-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ destination }), lines };
}

/** GET over HTTPS without trusting the CA: resolves with the TLS error code. */
function untrustedGet(url: string): Promise<string> {
  return new Promise((resolve) => {
    get(url, (res) => resolve(`HTTP ${res.statusCode}`)).on('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code ?? err.message),
    );
  });
}

describe('server tls', () => {
  it('warns at every start when tls is not configured, and serves plain http then', async () => {
    const { log, lines } = capturingLogger();
    expect(await loadServerTls({ tlsHostnames: [] }, log)).toBeUndefined();
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: expect.stringMatching(/^tls is not configured: .* plain http/),
      }),
    ]);
  });

  it('makes a CA and certificate in --tls-dir once, keeps the key private, and reuses them', async () => {
    const tlsDir = join(dir, 'generated');
    const first = capturingLogger();
    const made = await loadServerTls({ tlsDir, tlsHostnames: defaultTlsHostnames() }, first.log);
    expect(made?.certPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(statSync(join(tlsDir, TlsDirFiles.key)).mode & 0o777).toBe(0o600);
    expect(first.lines[0]).toMatchObject({ caFile: join(tlsDir, TlsDirFiles.ca) });
    const again = await loadServerTls({ tlsDir, tlsHostnames: [] }, capturingLogger().log);
    expect(again).toEqual(made);
  });

  it('serves https that clients trusting the CA file accept and others refuse', async () => {
    const tlsDir = join(dir, 'served');
    const tls = await loadServerTls(
      { tlsDir, tlsHostnames: ['localhost', '127.0.0.1'] },
      capturingLogger().log,
    );
    if (tls === undefined) throw new Error('no tls');
    const server = createHttpServer({
      name: 'test',
      address: { host: '127.0.0.1', port: 0 },
      router: createRouter().get('/ready', () => ({ body: 'ok\n' })),
      log: createLogger({ level: 'silent' }),
      tls,
    });
    const controller = new AbortController();
    const { done } = await server.start(controller.signal);
    try {
      const url = `https://127.0.0.1:${server.address()?.port}/ready`;
      expect(await untrustedGet(url)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      const { readFileSync } = await import('node:fs');
      trustCertificateAuthority(readFileSync(join(tlsDir, TlsDirFiles.ca), 'utf8'));
      const response = await fetch(url);
      expect(await response.text()).toBe('ok\n');
      await expect(fetch(`http://127.0.0.1:${server.address()?.port}/ready`)).rejects.toThrow(/fetch failed/);
    } finally {
      controller.abort();
      await done;
    }
  });

  it('names the flag of a file it cannot read', async () => {
    await expect(
      loadServerTls(
        { tlsCertFile: join(dir, 'missing.crt'), tlsKeyFile: join(dir, 'missing.key'), tlsHostnames: [] },
        capturingLogger().log,
      ),
    ).rejects.toMatchObject({ code: 'InvalidInput', causes: [{ field: '--tls-cert-file' }] });
  });
});
