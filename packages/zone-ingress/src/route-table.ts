/**
 * The ingress's SNI routes: from a connection's SNI to the healthy local instances of that
 * service and mesh, as the control plane's `IngressConfig` lists them. Pure.
 */
import type { IngressConfig } from '@zonemesh/api';
import { type Endpoint, parseKumaSni } from '@zonemesh/proxy';

/** Why a connection has nowhere to go (the `reason` label of unroutable connections). */
export type UnroutableReason = 'no_sni' | 'unknown_service' | 'no_endpoint';

/** Where a connection goes, or why it cannot. */
export type RouteLookup =
  | {
      readonly kind: 'route';
      readonly service: string;
      readonly mesh: string;
      readonly endpoints: readonly Endpoint[];
    }
  | { readonly kind: 'unroutable'; readonly reason: UnroutableReason; readonly service: string };

/** Routes of one config. */
export interface RouteTable {
  lookup(serverName: string | undefined): RouteLookup;
  /** Number of routes. */
  readonly size: number;
}

/**
 * Builds the table. A SNI is looked up as sent; failing that, as a Kuma SNI reduced to its
 * service and mesh (`backend{mesh=default,version=v1}` and a differently ordered SNI reach the
 * route of `backend{mesh=default}`: the ingress routes by service, the destination sidecar
 * checks the rest). Endpoint objects are made once per config, tagged with their service.
 */
export function createRouteTable(config: IngressConfig): RouteTable {
  const bySni = new Map<string, RouteLookup & { kind: 'route' }>();
  const byService = new Map<string, RouteLookup & { kind: 'route' }>();
  for (const route of config.routes) {
    const entry = {
      kind: 'route' as const,
      service: route.service,
      mesh: route.mesh,
      endpoints: route.endpoints.map((endpoint) => ({
        address: endpoint.address,
        port: endpoint.port,
        zone: config.zone,
        tags: { 'kuma.io/service': route.service },
      })),
    };
    bySni.set(route.sni, entry);
    byService.set(serviceKey(route.mesh, route.service), entry);
  }
  return {
    size: bySni.size,
    lookup(serverName) {
      if (serverName === undefined || serverName === '')
        return { kind: 'unroutable', reason: 'no_sni', service: '' };
      let found = bySni.get(serverName);
      let service = found?.service ?? '';
      if (found === undefined) {
        try {
          const sni = parseKumaSni(serverName);
          service = sni.service;
          found = byService.get(serviceKey(sni.mesh, sni.service));
        } catch {
          // Not a mesh SNI: nothing here serves it.
        }
      }
      if (found === undefined) return { kind: 'unroutable', reason: 'unknown_service', service };
      if (found.endpoints.length === 0)
        return { kind: 'unroutable', reason: 'no_endpoint', service: found.service };
      return found;
    },
  };
}

function serviceKey(mesh: string, service: string): string {
  return `${mesh}\u0000${service}`;
}
