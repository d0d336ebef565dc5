/**
 * The TLS of the control plane's API and dataplane server (docs/security.md): tokens and
 * certificates travel through both, so they speak HTTPS whenever TLS is configured:
 * - `--tls-cert-file` / `--tls-key-file`: the operator's certificate (chain) and key;
 * - `--tls-dir DIR`: at first start the control plane makes a CA and a server certificate for
 *   `--tls-hostnames` in DIR (`ca.crt`, `tls.crt`, `tls.key`; the key readable by the owner only)
 *   and reuses them at every later start; clients verify with `--ca-cert-file DIR/ca.crt`, which
 *   it logs at every start;
 * - neither: plain HTTP (development, the demo), with a warning at every start.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { MeshError } from '@zonemesh/api';
import { createSelfSignedWebhookCertificate } from '@zonemesh/kubernetes';
import type { Logger, ServerTls } from '@zonemesh/runtime';

/** The TLS flags, as parsed. */
export interface TlsSettings {
  readonly tlsCertFile?: string | undefined;
  readonly tlsKeyFile?: string | undefined;
  readonly tlsDir?: string | undefined;
  readonly tlsHostnames: readonly string[];
}

/** The files `--tls-dir` holds. */
export const TlsDirFiles = { ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key' } as const;

/** Names a generated certificate is always valid for, besides `--tls-hostnames`. */
export function defaultTlsHostnames(): string[] {
  return ['localhost', '127.0.0.1', '::1', hostname()];
}

/**
 * Loads (or makes, with `--tls-dir`) the server certificate; undefined when TLS is not configured.
 * Throws `InvalidInput` naming the flag when a file cannot be read or written.
 */
export async function loadServerTls(settings: TlsSettings, log: Logger): Promise<ServerTls | undefined> {
  if (settings.tlsCertFile !== undefined && settings.tlsKeyFile !== undefined) {
    const tls = {
      certPem: await readFlagFile('--tls-cert-file', settings.tlsCertFile),
      keyPem: await readFlagFile('--tls-key-file', settings.tlsKeyFile),
    };
    log.info({ certFile: settings.tlsCertFile }, 'api and dataplane server use the given tls certificate');
    return tls;
  }
  if (settings.tlsDir !== undefined) return generatedTls(settings.tlsDir, settings.tlsHostnames, log);
  log.warn(
    {},
    'tls is not configured: the api and the dataplane server speak plain http, so tokens and certificates travel in clear; set --tls-dir or --tls-cert-file and --tls-key-file outside development',
  );
  return undefined;
}

async function generatedTls(dir: string, names: readonly string[], log: Logger): Promise<ServerTls> {
  const files = {
    ca: join(dir, TlsDirFiles.ca),
    cert: join(dir, TlsDirFiles.cert),
    key: join(dir, TlsDirFiles.key),
  };
  const existing = await Promise.all(
    [files.cert, files.key].map((file) => readFile(file, 'utf8').catch(() => undefined)),
  );
  const [certPem, keyPem] = existing;
  if (certPem !== undefined && keyPem !== undefined) {
    log.info({ caFile: files.ca }, 'tls certificate reused; clients verify it with --ca-cert-file');
    return { certPem, keyPem };
  }
  const unique = [...new Set(names)];
  const made = await createSelfSignedWebhookCertificate({
    dnsNames: unique.filter((name) => isIP(name) === 0),
    ipAddresses: unique.filter((name) => isIP(name) !== 0),
  });
  const tls = { certPem: `${made.certPem.trimEnd()}\n`, keyPem: `${made.keyPem.trimEnd()}\n` };
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(files.ca, `${made.caPem.trimEnd()}\n`);
    await writeFile(files.cert, tls.certPem);
    await writeFile(files.key, tls.keyPem, { mode: 0o600 });
    await chmod(files.key, 0o600);
  } catch (err) {
    throw new MeshError('InvalidInput', `cannot write the generated tls certificate to ${dir}`, {
      cause: err,
      causes: [{ field: '--tls-dir', message: (err as Error).message }],
    });
  }
  log.info(
    { caFile: files.ca, hostnames: unique },
    'tls certificate generated; clients verify it with --ca-cert-file',
  );
  return tls;
}

async function readFlagFile(flag: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new MeshError('InvalidInput', `cannot read ${file}`, {
      cause: err,
      causes: [{ field: flag, message: (err as Error).message }],
    });
  }
}
