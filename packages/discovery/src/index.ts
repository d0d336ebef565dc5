/**
 * @zonemesh/discovery — from a zone's Dataplanes, ZoneIngresses (local and remote) and policies
 * to each proxy's configuration: outbound endpoints in every zone (healthy local inbounds, plus
 * one endpoint per remote zone ingress weighted by its healthy instances), inbound permission
 * rules, health checks and routes; and the services the zone advertises on its ZoneIngresses.
 * Pure and incremental: a write recomputes only the proxies it can change.
 */
export { createDiscovery } from './discovery.js';
export { configVersion } from './config-version.js';
export { serviceSni } from './kuma-sni.js';
export { inboundTagsOf } from './dataplane-view.js';
export type { Discovery, DiscoveryOptions, DiscoveryStats, DiscoveryUpdate, ProxyRef } from './discovery.js';
