/**
 * Which TLS servers this process's `fetch` trusts. zonemesh clients (zmctl, the proxies) talk to
 * one control plane, often with a certificate from the control plane's own CA (`--tls-dir`), so
 * `--ca-cert-file` replaces the system roots for every `fetch` of the process.
 */
import { Agent, setGlobalDispatcher } from 'undici';
import { readFlagFile } from './command-line.js';

/**
 * From now on, every `fetch` of this process verifies HTTPS servers against `caPem` (one or more
 * PEM certificates) instead of the system roots. Call once, at start, before any request.
 */
export function trustCertificateAuthority(caPem: string): void {
  setGlobalDispatcher(new Agent({ connect: { ca: caPem } }));
}

/**
 * `--ca-cert-file`: when `path` is given, reads it and trusts it as {@link trustCertificateAuthority}
 * does. Throws `MeshError('InvalidInput')` naming `--ca-cert-file` when it cannot be read.
 */
export function trustCaCertFile(path: string | undefined): void {
  if (path !== undefined)
    trustCertificateAuthority(readFlagFile(path, { flag: '--ca-cert-file', what: 'CA file' }));
}
