/**
 * The zone's discovery: it holds the zone's Meshes, Dataplanes, ZoneIngresses and policies (fed
 * one write at a time, e.g. from a store watch), and computes each sidecar's {@link ProxyConfig},
 * each local zone ingress's {@link IngressConfig} and the services the zone advertises on its
 * ZoneIngresses. Pure and synchronous: no I/O, no timers; the caller decides when proxies are
 * offline (see {@link Discovery.setAvailable}) and pushes what {@link Discovery.flush} reports.
 *
 * Incremental: every write marks only what it can change (the writer itself, the consumers of the
 * services whose endpoints changed, the providers or consumers of the services a policy names);
 * `flush` rebuilds only those, and reports a proxy only when its config version changed.
 */
import type {
  AvailableService,
  IngressConfig,
  IngressRoute,
  ProxyConfig,
  ProxyEndpoint,
  ProxyOutbound,
  Resource,
  ResourceKey,
  ResourceType,
} from '@zonemesh/api';
import { isMtlsEnabled, Labels, MeshSpecSchema, Tags } from '@zonemesh/api';
import { createPolicyEngine, type PolicyEngine } from '@zonemesh/policy';
import { configVersion } from './config-version.js';
import {
  type DataplaneView,
  type InboundView,
  readDataplane,
  readZoneIngress,
  type ZoneIngressView,
} from './dataplane-view.js';
import { serviceSni } from './kuma-sni.js';
import { outboundHealthCheck, outboundRoute, routedServices } from './outbound-policies.js';
import { type PolicyImpact, policyImpact } from './policy-impact.js';

/** Names a sidecar: its mesh and Dataplane name. */
export interface ProxyRef {
  readonly mesh: string;
  readonly name: string;
}

/** What changed since the previous {@link Discovery.flush}. */
export interface DiscoveryUpdate {
  /** Sidecars whose config version changed (new ones included). */
  readonly proxies: readonly ProxyRef[];
  /** Sidecars whose Dataplane is gone. */
  readonly removedProxies: readonly ProxyRef[];
  /** Local zone ingresses whose config version changed (new ones included). */
  readonly ingresses: readonly string[];
  /** Local zone ingresses whose ZoneIngress is gone. */
  readonly removedIngresses: readonly string[];
  /** Whether {@link Discovery.availableServices} changed. */
  readonly availableServicesChanged: boolean;
}

/** Work counters, for metrics and for tests that check nothing unrelated was recomputed. */
export interface DiscoveryStats {
  /** Sidecar configs built so far. */
  readonly proxyBuilds: number;
  /** Zone ingress configs built so far. */
  readonly ingressBuilds: number;
}

/** Options of {@link createDiscovery}. */
export interface DiscoveryOptions {
  /** This zone's name: the `kuma.io/zone` of local endpoints. */
  readonly zone: string;
}

/** See the module comment. Single-threaded by design; every method is synchronous. */
export interface Discovery {
  readonly zone: string;
  /**
   * Adds or replaces a resource of any kind (Zone is ignored). A Dataplane labelled with another
   * zone is not local and is ignored (other zones are reached through their ingresses). Throws
   * `MeshError` `InvalidInput` for a resource that cannot be read or a policy the engine refuses;
   * nothing changes then.
   */
  apply(resource: Resource): void;
  /** Removes a resource; unknown keys are ignored. */
  delete(key: ResourceKey): void;
  /**
   * Whether a sidecar's inbounds count as endpoints (its proxy is connected, or went away less
   * than a grace period ago). Every Dataplane counts until told otherwise.
   */
  setAvailable(proxy: ProxyRef, available: boolean): void;
  /** The mesh's trust roots (PEM), sent to its sidecars as `mtls.rootsPem`; undefined removes them. */
  setMeshRoots(mesh: string, rootsPem: string | undefined): void;
  /** Rebuilds what changed since the last call and says which configs got a new version. */
  flush(): DiscoveryUpdate;
  /** A sidecar's current config (built now if a change touched it); undefined without a Dataplane. */
  proxyConfig(proxy: ProxyRef): ProxyConfig | undefined;
  /** A local zone ingress's current config; undefined without a local ZoneIngress of that name. */
  ingressConfig(name: string): IngressConfig | undefined;
  /**
   * What the zone's ZoneIngresses advertise: per mesh and distinct tag set (with `kuma.io/zone`),
   * the number of healthy, available local inbounds. Sorted.
   */
  availableServices(): readonly AvailableService[];
  /** The Dataplanes held, as refs. */
  proxies(): readonly ProxyRef[];
  stats(): DiscoveryStats;
}

interface MeshState {
  readonly engine: PolicyEngine;
  /** Current spec of every policy, by `type/name`, to know what its next write un-selects. */
  readonly policySpecs: Map<string, unknown>;
  readonly proxies: Set<string>;
  mtls: boolean;
  localityAware: boolean;
  rootsPem: string | undefined;
}

interface ProxyEntry {
  readonly ref: ProxyRef;
  readonly view: DataplaneView;
  config: ProxyConfig | undefined;
  /** The services (svc keys) its outbounds reach, as of its last build. */
  deps: ReadonlySet<string>;
}

interface LocalIngressEntry {
  readonly name: string;
  config: IngressConfig | undefined;
}

/** One service's local state, derived from its providers. */
interface ServiceState {
  readonly endpoints: readonly ProxyEndpoint[];
  readonly available: readonly AvailableService[];
  readonly protocol: string | undefined;
}

const emptyService: ServiceState = { endpoints: [], available: [], protocol: undefined };

/** Creates an empty discovery for one zone. */
export function createDiscovery(options: DiscoveryOptions): Discovery {
  const zone = options.zone;
  const meshes = new Map<string, MeshState>();
  const proxies = new Map<string, ProxyEntry>();
  const unavailable = new Set<string>();
  /** svc key -> proxies with an inbound of that service. */
  const providers = new Map<string, Set<string>>();
  /** svc key -> proxies whose outbounds reach that service. */
  const consumers = new Map<string, Set<string>>();
  const remoteIngresses = new Map<string, ZoneIngressView>();
  /** svc key -> remote ingresses advertising it. */
  const remoteBySvc = new Map<string, Set<string>>();
  const localIngresses = new Map<string, LocalIngressEntry>();
  const services = new Map<string, ServiceState>();

  const dirtyProxies = new Set<string>();
  const dirtyServices = new Set<string>();
  let ingressesDirty = false;
  let availableDirty = false;
  let availableList: readonly AvailableService[] = [];
  let availableChangedSinceFlush = false;
  /** Version changes found by a lazy build, reported by the next flush. */
  const changedProxies = new Set<string>();
  const removedProxies = new Map<string, ProxyRef>();
  const changedIngresses = new Set<string>();
  const removedIngresses = new Set<string>();
  let proxyBuilds = 0;
  let ingressBuilds = 0;

  function meshState(mesh: string): MeshState {
    let state = meshes.get(mesh);
    if (state === undefined) {
      state = {
        engine: createPolicyEngine({ mesh, mtlsEnabled: false }),
        policySpecs: new Map(),
        proxies: new Set(),
        mtls: false,
        localityAware: true,
        rootsPem: undefined,
      };
      meshes.set(mesh, state);
    }
    return state;
  }

  function markMesh(mesh: string): void {
    for (const key of meshes.get(mesh)?.proxies ?? []) dirtyProxies.add(key);
  }

  /** A service's endpoints may have changed: its consumers rebuild; local ones re-derive it. */
  function touchService(svc: string, local: boolean): void {
    for (const key of consumers.get(svc) ?? []) dirtyProxies.add(key);
    if (local) dirtyServices.add(svc);
  }

  function markImpact(mesh: string, impact: PolicyImpact | undefined): void {
    if (impact === undefined) return;
    if (impact.services === 'all') {
      markMesh(mesh);
      return;
    }
    const index = impact.side === 'providers' ? providers : consumers;
    for (const service of impact.services) {
      for (const key of index.get(svcKey(mesh, service)) ?? []) dirtyProxies.add(key);
    }
  }

  // --- writes -------------------------------------------------------------------------------

  function applyMesh(resource: Resource): void {
    const state = meshState(resource.meta.name);
    state.engine.upsert(resource);
    const parsed = MeshSpecSchema.safeParse(resource.spec);
    const spec = parsed.success ? parsed.data : {};
    state.mtls = isMtlsEnabled(spec);
    // Kuma's default is off; zonemesh's is on: prefer a healthy local instance whenever one exists.
    state.localityAware = spec.routing?.localityAwareLoadBalancing ?? true;
    markMesh(resource.meta.name);
  }

  function deleteMesh(name: string): void {
    const state = meshes.get(name);
    if (state === undefined) return;
    state.engine.remove('Mesh', name);
    state.mtls = false;
    state.localityAware = true;
    markMesh(name);
  }

  function applyPolicy(resource: Resource): void {
    const mesh = resource.meta.mesh ?? '';
    const state = meshState(mesh);
    state.engine.upsert(resource); // throws for a policy it refuses, before anything changed
    const policyKey = `${resource.type}/${resource.meta.name}`;
    const previous = state.policySpecs.get(policyKey);
    if (previous !== undefined) markImpact(mesh, policyImpact(resource.type, previous));
    markImpact(mesh, policyImpact(resource.type, resource.spec));
    state.policySpecs.set(policyKey, resource.spec);
  }

  function deletePolicy(type: ResourceType, mesh: string, name: string): void {
    const state = meshes.get(mesh);
    if (state === undefined) return;
    const policyKey = `${type}/${name}`;
    const previous = state.policySpecs.get(policyKey);
    if (previous === undefined) return;
    state.engine.remove(type, name);
    state.policySpecs.delete(policyKey);
    markImpact(mesh, policyImpact(type, previous));
  }

  function applyDataplane(resource: Resource): void {
    const from = resource.meta.labels[Labels.zone];
    const key = proxyKey(resource.meta.mesh ?? '', resource.meta.name);
    if (from !== undefined && from !== zone) {
      deleteDataplane(resource.meta.mesh ?? '', resource.meta.name);
      return;
    }
    const view = readDataplane(resource);
    const previous = proxies.get(key);
    const ref = { mesh: view.mesh, name: view.name };
    proxies.set(key, { ref, view, config: previous?.config, deps: previous?.deps ?? new Set() });
    removedProxies.delete(key);
    meshState(view.mesh).proxies.add(key);
    dirtyProxies.add(key);
    reindexProviders(key, previous?.view, view);
  }

  function deleteDataplane(mesh: string, name: string): void {
    const key = proxyKey(mesh, name);
    const entry = proxies.get(key);
    if (entry === undefined) return;
    proxies.delete(key);
    meshes.get(mesh)?.proxies.delete(key);
    dirtyProxies.delete(key);
    changedProxies.delete(key);
    for (const svc of entry.deps) removeFrom(consumers, svc, key);
    removedProxies.set(key, entry.ref);
    reindexProviders(key, entry.view, undefined);
  }

  /** Updates the providers index and touches every service whose local endpoints changed. */
  function reindexProviders(
    key: string,
    before: DataplaneView | undefined,
    after: DataplaneView | undefined,
  ): void {
    const was = contributions(before);
    const now = contributions(after);
    for (const service of was.keys()) {
      if (!now.has(service)) removeFrom(providers, svcKey(before?.mesh ?? '', service), key);
    }
    for (const service of now.keys()) addTo(providers, svcKey(after?.mesh ?? '', service), key);
    const mesh = after?.mesh ?? before?.mesh ?? '';
    for (const service of new Set([...was.keys(), ...now.keys()])) {
      if (was.get(service) !== now.get(service)) touchService(svcKey(mesh, service), true);
    }
  }

  function applyZoneIngress(resource: Resource): void {
    const view = readZoneIngress(resource);
    const name = view.name;
    if (view.zone === undefined || view.zone === zone) {
      if (remoteIngresses.has(name)) deleteRemoteIngress(name);
      if (!localIngresses.has(name)) localIngresses.set(name, { name, config: undefined });
      removedIngresses.delete(name);
      ingressesDirty = true;
      return;
    }
    if (localIngresses.has(name)) deleteLocalIngress(name);
    const before = remoteServiceKeys(remoteIngresses.get(name));
    remoteIngresses.set(name, view);
    const after = remoteServiceKeys(view);
    for (const svc of before) if (!after.has(svc)) removeFrom(remoteBySvc, svc, name);
    for (const svc of after) addTo(remoteBySvc, svc, name);
    for (const svc of new Set([...before, ...after])) touchService(svc, false);
  }

  function deleteRemoteIngress(name: string): void {
    const before = remoteServiceKeys(remoteIngresses.get(name));
    remoteIngresses.delete(name);
    for (const svc of before) {
      removeFrom(remoteBySvc, svc, name);
      touchService(svc, false);
    }
  }

  function deleteLocalIngress(name: string): void {
    if (!localIngresses.delete(name)) return;
    changedIngresses.delete(name);
    removedIngresses.add(name);
  }

  // --- builds -------------------------------------------------------------------------------

  /** Re-derives the local state of every touched service. */
  function refreshServices(): void {
    for (const svc of dirtyServices) {
      const next = deriveService(svc);
      const previous = services.get(svc) ?? emptyService;
      if (next.endpoints.length === 0 && next.protocol === undefined) services.delete(svc);
      else services.set(svc, next);
      if (JSON.stringify(previous.endpoints) !== JSON.stringify(next.endpoints)) ingressesDirty = true;
      if (JSON.stringify(previous.available) !== JSON.stringify(next.available)) availableDirty = true;
    }
    dirtyServices.clear();
  }

  function deriveService(svc: string): ServiceState {
    const [mesh = '', service = ''] = svc.split('\u0000');
    const endpoints: ProxyEndpoint[] = [];
    const groups = new Map<string, { tags: Record<string, string>; instances: number }>();
    let protocol: string | undefined;
    for (const key of providers.get(svc) ?? []) {
      const entry = proxies.get(key);
      if (entry === undefined) continue;
      for (const inbound of entry.view.inbounds) {
        if (inbound.service !== service) continue;
        protocol ??= inbound.tags[Tags.protocol];
        if (!inbound.healthy || unavailable.has(key)) continue;
        const tags = { ...inbound.tags, [Tags.zone]: zone };
        endpoints.push({
          address: inbound.reachableAddress,
          port: inbound.port,
          zone,
          local: true,
          weight: 1,
          tags,
        });
        const group = canonicalTags(tags);
        const found = groups.get(group);
        if (found === undefined) groups.set(group, { tags, instances: 1 });
        else found.instances++;
      }
    }
    endpoints.sort(compareEndpoints);
    const available = [...groups.entries()]
      .sort(([a], [b]) => compareText(a, b))
      .map(([, group]) => ({ mesh, tags: group.tags, instances: group.instances }));
    return { endpoints, available, protocol };
  }

  function remoteEndpoints(mesh: string, service: string): ProxyEndpoint[] {
    const endpoints: ProxyEndpoint[] = [];
    for (const name of remoteBySvc.get(svcKey(mesh, service)) ?? []) {
      const ingress = remoteIngresses.get(name);
      if (ingress?.zone === undefined || ingress.advertisedAddress === undefined) continue;
      if (ingress.advertisedPort === undefined) continue;
      let instances = 0;
      let common: Record<string, string> | undefined;
      for (const entry of ingress.availableServices) {
        const tags = entry.tags ?? {};
        if (entry.mesh !== mesh || tags[Tags.service] !== service || (entry.instances ?? 0) === 0) continue;
        instances += entry.instances ?? 0;
        common = common === undefined ? { ...tags } : intersect(common, tags);
      }
      if (instances === 0) continue;
      endpoints.push({
        address: ingress.advertisedAddress,
        port: ingress.advertisedPort,
        zone: ingress.zone,
        local: false,
        weight: instances,
        tags: { ...common, [Tags.zone]: ingress.zone },
      });
    }
    return endpoints.sort(compareEndpoints);
  }

  function protocolOf(mesh: string, service: string): string | undefined {
    const local = services.get(svcKey(mesh, service))?.protocol;
    if (local !== undefined) return local;
    for (const name of remoteBySvc.get(svcKey(mesh, service)) ?? []) {
      for (const entry of remoteIngresses.get(name)?.availableServices ?? []) {
        const protocol = entry.tags?.[Tags.protocol];
        if (entry.mesh === mesh && entry.tags?.[Tags.service] === service && protocol !== undefined)
          return protocol;
      }
    }
    return undefined;
  }

  function buildProxy(key: string): void {
    const entry = proxies.get(key);
    if (entry === undefined) return;
    proxyBuilds++;
    const { view } = entry;
    const state = meshState(view.mesh);
    const deps = new Set<string>();
    const outbounds: ProxyOutbound[] = view.outbounds.map((outbound) => {
      const route = outboundRoute(state.engine, view.sourceTags, outbound.service);
      const reached = [outbound.service, ...routedServices(route, outbound.service)];
      const endpoints: ProxyEndpoint[] = [];
      for (const service of reached) {
        deps.add(svcKey(view.mesh, service));
        endpoints.push(...(services.get(svcKey(view.mesh, service))?.endpoints ?? []));
      }
      // Other zones are reached through their ingresses, which route by SNI: mTLS only, and only
      // the outbound's own service (the SNI names it).
      if (state.mtls) endpoints.push(...remoteEndpoints(view.mesh, outbound.service));
      const healthCheck = outboundHealthCheck(
        state.engine,
        view.sourceTags,
        outbound.service,
        protocolOf(view.mesh, outbound.service),
      );
      return {
        port: outbound.port,
        address: outbound.address,
        service: outbound.service,
        tags: { ...outbound.tags },
        endpoints,
        sni: serviceSni(view.mesh, outbound.service),
        ...(healthCheck === undefined ? {} : { healthCheck }),
        ...(route === undefined ? {} : { route }),
        localityAware: state.localityAware,
      };
    });
    const content = {
      v: '1' as const,
      mesh: view.mesh,
      name: view.name,
      zone,
      mtls: {
        enabled: state.mtls,
        ...(state.mtls && state.rootsPem !== undefined ? { rootsPem: state.rootsPem } : {}),
      },
      inbounds: view.inbounds.map((inbound: InboundView) => ({
        port: inbound.port,
        address: inbound.address,
        servicePort: inbound.servicePort,
        serviceAddress: inbound.serviceAddress,
        tags: { ...inbound.tags },
        permissions: state.engine.inboundPermissions(inbound.tags),
      })),
      outbounds,
    };
    const config: ProxyConfig = { ...content, version: configVersion(content) };
    if (entry.config?.version !== config.version) changedProxies.add(key);
    entry.config = config;
    for (const svc of entry.deps) if (!deps.has(svc)) removeFrom(consumers, svc, key);
    for (const svc of deps) addTo(consumers, svc, key);
    entry.deps = deps;
  }

  function ingressRoutes(): IngressRoute[] {
    const routes: IngressRoute[] = [];
    for (const [svc, state] of services) {
      if (state.endpoints.length === 0) continue;
      const [mesh = '', service = ''] = svc.split('\u0000');
      routes.push({
        sni: serviceSni(mesh, service),
        mesh,
        service,
        endpoints: state.endpoints.map((endpoint) => ({ address: endpoint.address, port: endpoint.port })),
      });
    }
    return routes.sort((a, b) => compareText(a.mesh, b.mesh) || compareText(a.service, b.service));
  }

  function buildIngresses(): void {
    if (!ingressesDirty) return;
    ingressesDirty = false;
    const routes = ingressRoutes();
    for (const entry of localIngresses.values()) {
      ingressBuilds++;
      const content = { v: '1' as const, name: entry.name, zone, routes };
      const config: IngressConfig = { ...content, version: configVersion(content) };
      if (entry.config?.version !== config.version) changedIngresses.add(entry.name);
      entry.config = config;
    }
  }

  function rebuildAvailable(): void {
    if (!availableDirty) return;
    availableDirty = false;
    const list: AvailableService[] = [];
    const keys = [...services.keys()].sort(compareText);
    for (const svc of keys) list.push(...(services.get(svc)?.available ?? []));
    if (JSON.stringify(list) !== JSON.stringify(availableList)) availableChangedSinceFlush = true;
    availableList = list;
  }

  return {
    zone,
    apply(resource) {
      switch (resource.type) {
        case 'Mesh':
          applyMesh(resource);
          return;
        case 'Dataplane':
          applyDataplane(resource);
          return;
        case 'ZoneIngress':
          applyZoneIngress(resource);
          return;
        case 'Zone':
          return;
        default:
          applyPolicy(resource);
      }
    },
    delete(key) {
      switch (key.type) {
        case 'Mesh':
          deleteMesh(key.name);
          return;
        case 'Dataplane':
          deleteDataplane(key.mesh ?? '', key.name);
          return;
        case 'ZoneIngress':
          if (remoteIngresses.has(key.name)) deleteRemoteIngress(key.name);
          else deleteLocalIngress(key.name);
          return;
        case 'Zone':
          return;
        default:
          deletePolicy(key.type, key.mesh ?? '', key.name);
      }
    },
    setAvailable(proxy, available) {
      const key = proxyKey(proxy.mesh, proxy.name);
      if (available === !unavailable.has(key)) return;
      if (available) unavailable.delete(key);
      else unavailable.add(key);
      const entry = proxies.get(key);
      if (entry === undefined) return;
      for (const service of new Set(entry.view.inbounds.map((inbound) => inbound.service))) {
        touchService(svcKey(entry.view.mesh, service), true);
      }
    },
    setMeshRoots(mesh, rootsPem) {
      const state = meshState(mesh);
      if (state.rootsPem === rootsPem) return;
      state.rootsPem = rootsPem;
      markMesh(mesh);
    },
    flush() {
      refreshServices();
      for (const key of dirtyProxies) buildProxy(key);
      dirtyProxies.clear();
      buildIngresses();
      rebuildAvailable();
      const update: DiscoveryUpdate = {
        proxies: [...changedProxies].flatMap((key) => {
          const ref = proxies.get(key)?.ref;
          return ref === undefined ? [] : [ref];
        }),
        removedProxies: [...removedProxies.values()],
        ingresses: [...changedIngresses].filter((name) => localIngresses.has(name)),
        removedIngresses: [...removedIngresses],
        availableServicesChanged: availableChangedSinceFlush,
      };
      changedProxies.clear();
      removedProxies.clear();
      changedIngresses.clear();
      removedIngresses.clear();
      availableChangedSinceFlush = false;
      return update;
    },
    proxyConfig(proxy) {
      const key = proxyKey(proxy.mesh, proxy.name);
      if (!proxies.has(key)) return undefined;
      refreshServices();
      if (dirtyProxies.has(key) || proxies.get(key)?.config === undefined) {
        buildProxy(key);
        dirtyProxies.delete(key);
      }
      return proxies.get(key)?.config;
    },
    ingressConfig(name) {
      const entry = localIngresses.get(name);
      if (entry === undefined) return undefined;
      refreshServices();
      if (entry.config === undefined) ingressesDirty = true;
      buildIngresses();
      return entry.config;
    },
    availableServices() {
      refreshServices();
      rebuildAvailable();
      return availableList;
    },
    proxies() {
      return [...proxies.values()].map((entry) => entry.ref);
    },
    stats() {
      return { proxyBuilds, ingressBuilds };
    },
  };
}

function proxyKey(mesh: string, name: string): string {
  return `${mesh}\u0000${name}`;
}

function svcKey(mesh: string, service: string): string {
  return `${mesh}\u0000${service}`;
}

/** Per service of a Dataplane, what its inbounds contribute to that service's endpoints (as text). */
function contributions(view: DataplaneView | undefined): Map<string, string> {
  const out = new Map<string, InboundView[]>();
  for (const inbound of view?.inbounds ?? []) {
    const list = out.get(inbound.service) ?? [];
    list.push(inbound);
    out.set(inbound.service, list);
  }
  return new Map([...out].map(([service, inbounds]) => [service, JSON.stringify(inbounds)]));
}

function remoteServiceKeys(view: ZoneIngressView | undefined): Set<string> {
  const keys = new Set<string>();
  for (const entry of view?.availableServices ?? []) {
    const service = entry.tags?.[Tags.service];
    if (entry.mesh !== undefined && service !== undefined) keys.add(svcKey(entry.mesh, service));
  }
  return keys;
}

function addTo(index: Map<string, Set<string>>, key: string, value: string): void {
  let set = index.get(key);
  if (set === undefined) {
    set = new Set();
    index.set(key, set);
  }
  set.add(value);
}

function removeFrom(index: Map<string, Set<string>>, key: string, value: string): void {
  const set = index.get(key);
  if (set === undefined) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

function intersect(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(a)) if (b[key] === value) out[key] = value;
  return out;
}

function canonicalTags(tags: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(tags).sort(([a], [b]) => compareText(a, b)));
}

function compareEndpoints(a: ProxyEndpoint, b: ProxyEndpoint): number {
  return compareText(a.zone, b.zone) || compareText(a.address, b.address) || a.port - b.port;
}

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
