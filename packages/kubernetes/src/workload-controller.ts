/**
 * The workload controller of a zone control plane on Kubernetes: informers on Namespaces, Pods
 * and Services, and a reconciler that keeps the zone's store holding exactly one Dataplane per
 * serving Pod (see workload-dataplane.ts). Level-triggered: an event only marks its namespace
 * dirty; the reconciler recomputes that namespace's Dataplanes from the caches and writes the
 * difference, so repeated, reordered or replayed events (a 410 relist) change nothing twice.
 * It owns only Dataplanes labelled `zonemesh.io/managed-by: kubernetes-workloads`.
 */
import { isMeshError, type NewResource, type Resource } from '@zonemesh/api';
import type { ResourceStore } from '@zonemesh/store';
import type { Logger } from 'pino';
import { type Informer, startInformer } from './informer.js';
import type { KubeClient, KubeObject } from './kube-client.js';
import { fingerprintOf } from './resource-fingerprint.js';
import { dataplaneForPod, KubeLabels, workloadControllerName } from './workload-dataplane.js';

export interface WorkloadControllerOptions {
  readonly client: KubeClient;
  readonly store: ResourceStore;
  /** This zone's name (`kuma.io/zone` tag). */
  readonly zone: string | undefined;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** How long events are gathered before a reconcile, default 50 ms. */
  readonly debounceMs?: number;
}

/** A running workload controller. */
export interface WorkloadController {
  /** Resolves once every informer listed and the first full reconcile wrote the store. */
  readonly synced: Promise<void>;
  /** Settles after the signal aborted and everything stopped. */
  readonly done: Promise<void>;
  /** Full lists made by the informers (3 at start; more after 410 Gone). */
  lists(): number;
  /** A namespace from the informer cache. */
  namespaceOf(name: string): KubeObject | undefined;
  /** The Services of a namespace from the informer cache. */
  servicesOf(namespace: string): KubeObject[];
}

interface Owned {
  readonly namespace: string;
  readonly fingerprint: string;
}

/** Starts the controller; it runs until `signal` aborts. */
export function startWorkloadController(options: WorkloadControllerOptions): WorkloadController {
  const { client, store, zone, signal } = options;
  const log = options.log.child({ component: 'kubernetes-workloads' });
  const debounceMs = options.debounceMs ?? 50;
  const dirty = new Set<string>();
  /** Dataplanes this controller wrote, by `mesh/name`. */
  const owned = new Map<string, Owned>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let ready = false;
  let markSynced: () => void = () => undefined;
  const synced = new Promise<void>((resolve) => {
    markSynced = resolve;
  });

  const markDirty = (namespace: string | undefined): void => {
    if (namespace === undefined) return;
    dirty.add(namespace);
    schedule(debounceMs);
  };
  const informer = (path: string, namespaceOf: (object: KubeObject) => string | undefined): Informer =>
    startInformer({
      client,
      path,
      log,
      signal,
      onEvent: (event) => markDirty(namespaceOf(event.object)),
    });
  const namespaces = informer('/api/v1/namespaces', (object) => object.metadata?.name);
  const pods = informer('/api/v1/pods', (object) => object.metadata?.namespace);
  const services = informer('/api/v1/services', (object) => object.metadata?.namespace);

  function schedule(delay: number): void {
    if (!ready || signal.aborted || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (running !== undefined) {
        schedule(debounceMs);
        return;
      }
      running = reconcileDirty().finally(() => {
        running = undefined;
      });
    }, delay);
  }

  async function reconcileDirty(): Promise<void> {
    const batch = [...dirty];
    dirty.clear();
    let failed = false;
    for (const namespace of batch) {
      try {
        await reconcileNamespace(namespace);
      } catch (err) {
        failed = true;
        dirty.add(namespace);
        log.warn({ namespace, err: (err as Error).message }, 'reconciling dataplanes failed, retrying');
      }
    }
    if (dirty.size > 0) schedule(failed ? 1_000 : debounceMs);
  }

  async function reconcileNamespace(namespace: string): Promise<void> {
    const namespaceObject = namespaces.get(undefined, namespace);
    const namespaceServices = services.list(namespace);
    const desired = new Map<string, NewResource>();
    if (namespaceObject !== undefined) {
      for (const pod of pods.list(namespace)) {
        const outcome = dataplaneForPod({
          pod,
          namespace: namespaceObject,
          services: namespaceServices,
          zone,
        });
        if (outcome.kind === 'dataplane') desired.set(keyOf(outcome.resource), outcome.resource);
        else
          log.debug({ pod: pod.metadata?.name, namespace, reason: outcome.reason }, 'pod has no dataplane');
      }
    }
    for (const [key, resource] of desired) {
      const fingerprint = fingerprintOf(resource);
      if (owned.get(key)?.fingerprint === fingerprint) continue;
      await write(resource);
      owned.set(key, { namespace, fingerprint });
    }
    for (const [key, entry] of owned) {
      if (entry.namespace !== namespace || desired.has(key)) continue;
      const [mesh, name] = splitKey(key);
      try {
        await store.delete({ type: 'Dataplane', mesh, name });
        log.info({ dataplane: name, mesh }, 'dataplane removed');
      } catch (err) {
        if (!isMeshError(err, 'NotFound')) throw err;
      }
      owned.delete(key);
    }
  }

  async function write(resource: NewResource): Promise<void> {
    const { name, mesh } = resource.meta;
    const current = await store.get({ type: 'Dataplane', name, ...(mesh === undefined ? {} : { mesh }) });
    if (current === undefined) {
      try {
        await store.create(resource);
        log.info({ dataplane: name, mesh }, 'dataplane created');
        return;
      } catch (err) {
        if (!isMeshError(err, 'AlreadyExists')) throw err;
        return write(resource);
      }
    }
    if (current.meta.labels[KubeLabels.managedBy] !== workloadControllerName) {
      log.warn(
        { dataplane: name, mesh },
        'a dataplane of that name exists and is not from a pod; leaving it',
      );
      return;
    }
    const merged = keepingProxyState(resource, current);
    if (fingerprintOf(current) === fingerprintOf(merged)) return;
    await store.update(merged, { version: current.meta.version });
    log.info({ dataplane: name, mesh }, 'dataplane updated');
  }

  async function adoptExisting(): Promise<void> {
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const page: Awaited<ReturnType<ResourceStore['list']>> = await store.list('Dataplane', {
        offset,
        size: 500,
      });
      for (const resource of page.items) {
        if (resource.meta.labels[KubeLabels.managedBy] !== workloadControllerName) continue;
        owned.set(keyOf(resource), {
          namespace: resource.meta.labels[KubeLabels.namespace] ?? '',
          fingerprint: fingerprintOf(resource),
        });
      }
      offset = page.next;
    }
  }

  async function start(): Promise<void> {
    await Promise.race([
      Promise.all([namespaces.synced, pods.synced, services.synced]),
      new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
    ]);
    if (signal.aborted) return;
    for (let delay = 250; !signal.aborted; delay = Math.min(delay * 2, 5_000)) {
      try {
        await adoptExisting();
        break;
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'reading stored dataplanes failed, retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    // Every namespace seen, plus those of stored Dataplanes whose namespace is gone.
    for (const namespace of namespaces.list()) dirty.add(namespace.metadata?.name ?? '');
    for (const entry of owned.values()) dirty.add(entry.namespace);
    ready = true;
    running = reconcileDirty().finally(() => {
      running = undefined;
    });
    await running;
    log.info({ dataplanes: owned.size }, 'workloads synced');
    markSynced();
  }

  const started = start().catch((err: unknown) => {
    log.error({ err: (err as Error).message }, 'workload controller failed to start');
  });
  const done = (async () => {
    await Promise.all([namespaces.done, pods.done, services.done, started]);
    clearTimeout(timer);
    await running;
  })();

  return {
    synced,
    done,
    lists: () => namespaces.lists() + pods.lists() + services.lists(),
    namespaceOf: (name) => namespaces.get(undefined, name),
    servicesOf: (namespace) => services.list(namespace),
  };
}

/**
 * The desired Dataplane plus what others keep on the stored one: the labels the dataplane server
 * adds when the sidecar registers, and the health the sidecar reports per inbound port.
 */
function keepingProxyState(desired: NewResource, current: Resource): NewResource {
  type Inbound = { port?: number; health?: unknown };
  const health = new Map(
    (((current.spec as { networking?: { inbound?: Inbound[] } }).networking?.inbound ?? []) as Inbound[]).map(
      (inbound) => [inbound.port, inbound.health],
    ),
  );
  const networking = (desired.spec as { networking: { inbound: Inbound[] } }).networking;
  return {
    ...desired,
    meta: { ...desired.meta, labels: { ...current.meta.labels, ...desired.meta.labels } },
    spec: {
      ...(desired.spec as object),
      networking: {
        ...networking,
        inbound: networking.inbound.map((inbound) => {
          const reported = health.get(inbound.port);
          return reported === undefined ? inbound : { ...inbound, health: reported };
        }),
      },
    },
  };
}

function keyOf(resource: NewResource | Resource): string {
  return `${resource.meta.mesh ?? ''}/${resource.meta.name}`;
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}
