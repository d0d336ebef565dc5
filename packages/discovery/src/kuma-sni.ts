/** The TLS server name a sidecar sends for a service, in Kuma's format. */

/**
 * `<service>{mesh=<mesh>}`: what a source sidecar puts in its ClientHello so that a zone ingress
 * can route the connection without decrypting it.
 */
export function serviceSni(mesh: string, service: string): string {
  return `${service}{mesh=${mesh}}`;
}
