/** An upstream a proxy can connect to. */

/** One upstream address with what balancing needs to know about it. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
  /** Relative weight for weighted balancing (a remote zone ingress: that zone's instance count); default 1. */
  readonly weight?: number;
  /** The endpoint's `kuma.io/zone`, for locality-aware balancing. */
  readonly zone?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** `address:port` (IPv6 in brackets): an endpoint's identity for health state and balancing. */
export function endpointKey(endpoint: Pick<Endpoint, 'address' | 'port'>): string {
  return endpoint.address.includes(':')
    ? `[${endpoint.address}]:${endpoint.port}`
    : `${endpoint.address}:${endpoint.port}`;
}
