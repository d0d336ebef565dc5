/**
 * Wires the mesh CA for this control plane's mode:
 * - global: the roots (made when a Mesh enables a builtin backend, kept in global's store) and,
 *   with NATS, the responder that signs zone intermediates;
 * - federated zone: intermediates signed by global over NATS;
 * - standalone zone (no NATS): the zone holds the roots itself and signs its own intermediates.
 */
import type { ResourceStore } from '@zonemesh/store';
import { isFederatedZone, type ControlPlaneConfig } from '../config.js';
import type { ControlPlaneRuntime } from '../control-plane-runtime.js';
import { requestIntermediate, serveCaExchange } from './ca-exchange.js';
import { type CaNatsLink, openCaNatsLink } from './ca-nats-link.js';
import { builtinBackendOf, type MeshCa } from './mesh-ca.js';
import { createRootAuthority, type RootAuthority } from './root-authority.js';
import { createZoneAuthority } from './zone-authority.js';

/** Workload certificate lifetime when neither the Mesh nor a flag says: 24 hours (Kuma's default). */
export const defaultWorkloadLifetimeMs = 24 * 3600 * 1000;

/** The zone name a zone control plane uses: `--zone`, or `default` for a standalone zone without one. */
export function zoneNameOf(config: ControlPlaneConfig): string {
  return config.zone ?? 'default';
}

/** Options for tests and flags. */
export interface MeshCaOptions {
  /** Workload certificate lifetime (ms) when the Mesh does not set `dpCert.rotation.expiration`. */
  readonly workloadLifetimeMs?: number;
}

/** Adds the CA's components; returns the zone's CA (undefined on global, which has no proxies). */
export function setupMeshCa(
  runtime: ControlPlaneRuntime,
  store: ResourceStore,
  options: MeshCaOptions = {},
): MeshCa | undefined {
  const { config } = runtime;
  const log = runtime.log.child({ component: 'mesh-ca' });
  const natsOptions = (name: string) => ({
    url: config.natsUrl ?? '',
    credsFile: config.natsCreds,
    inboxPrefix: config.natsInboxPrefix,
    name,
  });

  if (config.mode === 'global') {
    const authority = createRootAuthority({ store, log });
    runtime.lifecycle.add({
      name: 'mesh-ca',
      async start(signal) {
        const tasks = [createRootsForMeshes(store, authority, log, signal)];
        if (config.natsUrl !== undefined) {
          const link = openCaNatsLink(natsOptions('zonemesh-global-ca'), log, signal);
          tasks.push(
            serveCaExchange({ connection: () => link.connected(), store, authority, log, signal }),
            link.done,
          );
        }
        return { done: Promise.all(tasks).then(() => undefined) };
      },
    });
    return undefined;
  }

  const zone = zoneNameOf(config);
  const workloadLifetime = options.workloadLifetimeMs ?? defaultWorkloadLifetimeMs;
  if (!isFederatedZone(config)) {
    const authority = createRootAuthority({ store, log });
    return createZoneAuthority({
      zone,
      store,
      log,
      workloadLifetime,
      signer: ({ mesh, backend, csr }) => authority.signZone(zone, mesh, backend, csr),
    });
  }

  let resolveLink: (link: CaNatsLink) => void = () => undefined;
  const linkReady = new Promise<CaNatsLink>((resolve) => {
    resolveLink = resolve;
  });
  runtime.lifecycle.add({
    name: 'mesh-ca',
    async start(signal) {
      const link = openCaNatsLink(natsOptions(`zonemesh-zone-ca-${zone}`), log, signal);
      resolveLink(link);
      return { done: link.done };
    },
  });
  return createZoneAuthority({
    zone,
    store,
    log,
    workloadLifetime,
    signer: async ({ mesh, backend, csr }) => {
      const nc = await (await linkReady).connected();
      return requestIntermediate(nc, { zone, mesh: mesh.meta.name, backend, csr });
    },
  });
}

/** Global: makes the root of every Mesh that enables a builtin backend, now and whenever one does. */
async function createRootsForMeshes(
  store: ResourceStore,
  authority: RootAuthority,
  log: ControlPlaneRuntime['log'],
  signal: AbortSignal,
): Promise<void> {
  const ensure = async (mesh: Parameters<typeof builtinBackendOf>[0]): Promise<void> => {
    try {
      const backend = builtinBackendOf(mesh);
      if (backend !== undefined) await authority.root(mesh.meta.name, backend.name);
    } catch (err) {
      log.warn({ mesh: mesh.meta.name, err: (err as Error).message }, 'cannot make the mesh root ca');
    }
  };
  while (!signal.aborted) {
    try {
      const from = await store.revision();
      for (let offset: number | undefined = 0; offset !== undefined; ) {
        const page = await store.list('Mesh', { offset, size: 100 });
        for (const mesh of page.items) await ensure(mesh);
        offset = page.next;
      }
      for await (const event of store.watch({ fromRevision: from, signal })) {
        if (event.type !== 'delete' && event.resource.type === 'Mesh') await ensure(event.resource);
      }
    } catch (err) {
      if (signal.aborted) return;
      log.warn({ err: (err as Error).message }, 'mesh watch for root cas failed, retrying');
      await new Promise((resolve) => setTimeout(resolve, 2_000).unref());
    }
  }
}
