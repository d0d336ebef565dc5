/**
 * Policies from `kubectl apply`: on a global control plane, or a zone that is not federated, the
 * kuma.io objects of the kinds written there (Mesh, policies, Zone) are watched and copied into
 * the control plane's store (memory or Redis; with `--store kubernetes` the store reads them
 * itself and this controller does not run). Kubernetes is the source for every key it defines:
 * a change or delete there is a change or delete in the store. It owns only the resources it
 * wrote (label `zonemesh.io/managed-by: kubernetes-crds`); resources written through the REST
 * API under other keys stay. Invalid objects (the validating webhook refuses them, but it may be
 * off) are logged and skipped.
 */
import {
  decodeResource,
  descriptorFor,
  formatKey,
  isMeshError,
  kindDescriptors,
  kubernetesApiVersion,
  keyOf,
  type NewResource,
  type ResourceKey,
  type ResourceType,
} from '@zonemesh/api';
import type { ResourceStore } from '@zonemesh/store';
import type { Logger } from 'pino';
import { kumaCollectionPath } from './custom-resource-definitions.js';
import { type Informer, startInformer } from './informer.js';
import type { KubeClient, KubeObject } from './kube-client.js';
import { KubeLabels } from './workload-dataplane.js';

/** The value of `zonemesh.io/managed-by` on resources copied from kuma.io objects. */
export const policyImportName = 'kubernetes-crds';

export interface PolicyImportOptions {
  readonly client: KubeClient;
  readonly store: ResourceStore;
  /** The kinds to copy; default every kind written on global (`origin: global`). */
  readonly types?: readonly ResourceType[];
  readonly log: Logger;
  readonly signal: AbortSignal;
}

/** A running import. */
export interface PolicyImport {
  /** Resolves once every kind was listed and copied. */
  readonly synced: Promise<void>;
  readonly done: Promise<void>;
}

/** Starts copying kuma.io objects into the store; runs until `signal` aborts. */
export function startPolicyImport(options: PolicyImportOptions): PolicyImport {
  const { client, store, signal } = options;
  const log = options.log.child({ component: 'kubernetes-policies' });
  const types =
    options.types ??
    kindDescriptors
      .filter((descriptor) => descriptor.origin === 'global')
      .map((descriptor) => descriptor.type);
  /** The store key each object was copied to, by `type/objectName`. */
  const copied = new Map<string, ResourceKey>();
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<void>): void => {
    queue = queue.then(work).catch((err: unknown) => {
      log.warn({ err: (err as Error).message }, 'copying a kuma.io object failed');
    });
  };

  const informers: Informer[] = types.map((type) =>
    startInformer({
      client,
      path: kumaCollectionPath(type),
      log,
      signal,
      onEvent: (event) => {
        if (event.type === 'deleted') enqueue(() => removed(type, event.object));
        else enqueue(() => changed(type, event.object));
      },
    }),
  );

  async function changed(type: ResourceType, object: KubeObject): Promise<void> {
    const objectName = `${type}/${object.metadata?.name ?? ''}`;
    let resource: NewResource;
    try {
      resource = decodeResource({ ...object, apiVersion: kubernetesApiVersion, kind: type });
    } catch (err) {
      if (!isMeshError(err)) throw err;
      log.warn(
        { kind: type, name: object.metadata?.name, causes: err.causes },
        'invalid kuma.io object skipped',
      );
      return;
    }
    const labeled: NewResource = {
      ...resource,
      meta: {
        ...resource.meta,
        labels: { ...resource.meta.labels, [KubeLabels.managedBy]: policyImportName },
      },
    };
    const key = keyOf(labeled);
    const previous = copied.get(objectName);
    if (previous !== undefined && formatKey(previous) !== formatKey(key)) await deleteOwned(previous);
    await upsert(labeled);
    copied.set(objectName, key);
  }

  async function removed(type: ResourceType, object: KubeObject): Promise<void> {
    const objectName = `${type}/${object.metadata?.name ?? ''}`;
    const key = copied.get(objectName);
    if (key === undefined) return;
    copied.delete(objectName);
    await deleteOwned(key);
  }

  async function upsert(resource: NewResource): Promise<void> {
    const key = keyOf(resource);
    const current = await store.get(key);
    if (current === undefined) {
      try {
        await store.create(resource);
        log.info(
          { kind: resource.type, name: resource.meta.name, mesh: resource.meta.mesh },
          'copied from kubernetes',
        );
      } catch (err) {
        if (!isMeshError(err, 'AlreadyExists')) throw err;
        await upsert(resource);
      }
      return;
    }
    const same =
      JSON.stringify(current.spec) === JSON.stringify(resource.spec) &&
      JSON.stringify(sorted(current.meta.labels)) === JSON.stringify(sorted(resource.meta.labels ?? {}));
    if (same) return;
    await store.update(resource, { version: current.meta.version });
    log.info(
      { kind: resource.type, name: resource.meta.name, mesh: resource.meta.mesh },
      'updated from kubernetes',
    );
  }

  async function deleteOwned(key: ResourceKey): Promise<void> {
    const current = await store.get(key);
    if (current === undefined || current.meta.labels[KubeLabels.managedBy] !== policyImportName) return;
    try {
      await store.delete(key, { version: current.meta.version });
      log.info({ kind: key.type, name: key.name, mesh: key.mesh }, 'deleted, as in kubernetes');
    } catch (err) {
      if (!isMeshError(err, 'NotFound')) throw err;
    }
  }

  /** After the first lists: stored copies whose object is gone (deleted while stopped) go too. */
  async function removeOrphans(): Promise<void> {
    const live = new Set([...copied.values()].map(formatKey));
    for (const type of types) {
      let offset: number | undefined = 0;
      while (offset !== undefined) {
        const page: Awaited<ReturnType<ResourceStore['list']>> = await store.list(type, {
          offset,
          size: 500,
        });
        for (const resource of page.items) {
          const key = keyOf(resource);
          if (resource.meta.labels[KubeLabels.managedBy] === policyImportName && !live.has(formatKey(key))) {
            await deleteOwned(key);
          }
        }
        offset = page.next;
      }
    }
  }

  const synced = (async () => {
    await Promise.race([
      Promise.all(informers.map(async (informer) => informer.synced)),
      new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
    ]);
    if (signal.aborted) return;
    await queue;
    enqueue(removeOrphans);
    await queue;
    log.info({ kinds: types.length, resources: copied.size }, 'kuma.io objects synced');
  })();

  return {
    synced,
    done: Promise.all([...informers.map(async (informer) => informer.done), synced]).then(async () => {
      await queue;
    }),
  };
}

function sorted(labels: Readonly<Record<string, string>>): Array<[string, string]> {
  return Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
}

/** Whether a kind is copied by default (written on global). */
export function isImportedKind(type: ResourceType): boolean {
  return descriptorFor(type).origin === 'global';
}
