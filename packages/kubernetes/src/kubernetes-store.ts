/**
 * `--store kubernetes`: a `ResourceStore` whose resources are the kuma.io objects of the API
 * server (one cluster-scoped CRD per kind, see custom-resource-definitions.ts), so `kubectl get
 * trafficpermissions` shows what the control plane serves and `kubectl apply` writes it.
 *
 * - Keys to objects: a resource is the object named like it (`metadata.name`), with the mesh in
 *   the top-level `mesh` field, as in Kuma. Kubernetes names are unique per kind, not per mesh:
 *   when that name is taken by another mesh's resource (or is no DNS name), the object is named
 *   `<name>-<hash of kind/mesh/name>` and keeps the real name in the annotation
 *   `zonemesh.io/name`. Reads try both names and check the key.
 * - Versions are resourceVersions; an update or delete with a version is a precondition the API
 *   server checks, so racing writers get `Conflict`, never a lost update.
 * - Revisions: Kubernetes watches one kind per stream and has no store-wide sequence of kuma.io
 *   writes, so this store numbers the changes it observes (its own writes at once, everyone
 *   else's through one informer per kind) in the order it observes them: dense, strictly
 *   increasing, and exact within this store instance. They are not shared between instances and
 *   start again after a restart, where a resumed position is meaningless: the consumer lists
 *   again (what sync does on `HistoryGone`). On a 410 Gone an informer relists its kind and the
 *   difference becomes ordinary events, so no change is lost or repeated.
 *   `revision()` first waits until the informers reflect every write the API server had made
 *   (one list per kind), so "revision, then list, then watch from it" misses nothing.
 * - Checkpoints live in the ConfigMap `zonemesh-store-checkpoints` of the control plane's
 *   namespace, written right after the resource write they go with. Not atomic with it: a crash
 *   in between leaves the checkpoint behind the data (never ahead), and replaying from an older
 *   checkpoint is harmless because applying a resource is idempotent.
 * - Checkpoints that hold private keys (token signing keys, mesh CA keys: see
 *   {@link isSecretCheckpoint}) live in the Secret `zonemesh-store-secrets` instead, so reading
 *   ConfigMaps does not reveal them. One that an older version left in the ConfigMap is still
 *   read from there, and moved to the Secret (and removed from the ConfigMap) when next written.
 * - The API server prunes fields its CRD schema does not know; zonemesh stores validated specs,
 *   whose fields the schemas (generated from the same zod schemas) know.
 */
import { createHash } from 'node:crypto';
import {
  isMeshError,
  isMeshScoped,
  kindDescriptors,
  Labels,
  MeshError,
  type NewResource,
  type Resource,
  type ResourceKey,
  type ResourceType,
  kubernetesApiVersion,
} from '@zonemesh/api';
import type {
  Checkpoint,
  DeleteOptions,
  ListOptions,
  ListResult,
  ResourceStore,
  StoreEvent,
  UpdateOptions,
  WatchOptions,
  WriteOptions,
} from '@zonemesh/store';
import { pino, type Logger } from 'pino';
import { kumaCollectionPath } from './custom-resource-definitions.js';
import { type Informer, startInformer } from './informer.js';
import type { KubeClient, KubeObject } from './kube-client.js';

export interface KubernetesStoreOptions {
  readonly client: KubeClient;
  /** Namespace of the checkpoint ConfigMap (the control plane's). */
  readonly namespace: string;
  /** Events kept for resuming watches; default 10,000. */
  readonly historyLimit?: number;
  /** Name of the checkpoint ConfigMap; default `zonemesh-store-checkpoints`. */
  readonly checkpointConfigMap?: string;
  /** Name of the Secret of key-holding checkpoints; default `zonemesh-store-secrets`. */
  readonly checkpointSecret?: string;
  readonly log?: Logger;
  /** How long `revision()` waits for the informers to catch up; default 10 s. */
  readonly catchUpTimeoutMs?: number;
}

/** Annotations this store writes on objects. */
export const StoreAnnotations = {
  name: 'zonemesh.io/name',
  creationTime: 'zonemesh.io/creation-time',
  modificationTime: 'zonemesh.io/modification-time',
} as const;

const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

interface Cached {
  readonly rv: bigint;
  readonly object: KubeObject;
  readonly resource: Resource;
}

/** Opens the store; informers start at once, calls wait for them only where they must. */
export function createKubernetesStore(options: KubernetesStoreOptions): ResourceStore {
  const { client } = options;
  const log = (options.log ?? pino({ level: 'silent' })).child({ component: 'kubernetes-store' });
  const historyLimit = options.historyLimit ?? 10_000;
  if (!Number.isInteger(historyLimit) || historyLimit < 1) {
    throw new MeshError('InvalidInput', 'historyLimit must be a positive integer', {
      causes: [{ field: 'historyLimit', message: 'must be a positive integer' }],
    });
  }
  const configMap = options.checkpointConfigMap ?? 'zonemesh-store-checkpoints';
  const configMapCollection = `/api/v1/namespaces/${options.namespace}/configmaps`;
  const secret = options.checkpointSecret ?? 'zonemesh-store-secrets';
  const secretCollection = `/api/v1/namespaces/${options.namespace}/secrets`;
  const types = kindDescriptors.map((descriptor) => descriptor.type);
  const abort = new AbortController();
  const cache = new Map<ResourceType, Map<string, Cached>>(types.map((type) => [type, new Map()]));
  const tombstones = new Map<ResourceType, Map<string, bigint>>(types.map((type) => [type, new Map()]));
  const history: StoreEvent[] = [];
  let sequence = 0;
  let closed = false;
  const waiters = new Set<() => void>();

  const informers = new Map<ResourceType, Informer>(
    types.map((type) => [
      type,
      startInformer({
        client,
        path: kumaCollectionPath(type),
        log,
        signal: abort.signal,
        onEvent: (event) => observe(type, event.type === 'deleted' ? 'delete' : 'upsert', event.object),
      }),
    ]),
  );

  /** Applies an observed object state; appends an event when it is news. */
  function observe(type: ResourceType, change: 'upsert' | 'delete', object: KubeObject): void {
    const objects = cache.get(type) as Map<string, Cached>;
    const deleted = tombstones.get(type) as Map<string, bigint>;
    const objectName = object.metadata?.name ?? '';
    const rv = versionOf(object);
    const existing = objects.get(objectName);
    if (change === 'delete') {
      if (existing === undefined || rv < existing.rv) return;
      objects.delete(objectName);
      deleted.set(objectName, rv > existing.rv ? rv : existing.rv);
      append('delete', existing.resource);
      return;
    }
    if (existing !== undefined && rv <= existing.rv) return;
    const tomb = deleted.get(objectName);
    if (existing === undefined && tomb !== undefined && rv <= tomb) return;
    const resource = toResource(type, object);
    objects.set(objectName, { rv, object, resource });
    deleted.delete(objectName);
    append(existing === undefined ? 'create' : 'update', resource);
  }

  function append(type: StoreEvent['type'], resource: Resource): void {
    history.push(Object.freeze({ type, revision: ++sequence, resource }));
    if (history.length > historyLimit) history.splice(0, history.length - historyLimit);
    for (const wake of waiters) wake();
  }

  function collection(type: ResourceType): string {
    return kumaCollectionPath(type);
  }

  /** The object holding `key`, trying the plain name, then the hashed one. */
  async function find(key: ResourceKey): Promise<KubeObject | undefined> {
    for (const objectName of candidateNames(key)) {
      const object = await client.get(`${collection(key.type)}/${objectName}`);
      if (object !== undefined && sameKey(toResource(key.type, object), key)) return object;
    }
    return undefined;
  }

  async function writeCheckpoint(checkpoint: Checkpoint | undefined): Promise<void> {
    if (checkpoint === undefined) return;
    const dataKey = configMapKey(checkpoint.name);
    if (!isSecretCheckpoint(checkpoint.name)) {
      await updateObject(configMapCollection, configMap, 'ConfigMap', (data) => ({
        ...data,
        [dataKey]: checkpoint.value,
      }));
      return;
    }
    // Secret data is base64; the ConfigMap copy (from an older version) goes once the Secret has it.
    const encoded = Buffer.from(checkpoint.value, 'utf8').toString('base64');
    await updateObject(secretCollection, secret, 'Secret', (data) => ({ ...data, [dataKey]: encoded }));
    await updateObject(configMapCollection, configMap, 'ConfigMap', (data) => {
      if (!(dataKey in data)) return undefined;
      const { [dataKey]: _moved, ...rest } = data;
      return rest;
    });
  }

  /**
   * Rewrites the `data` of one ConfigMap or Secret, creating it when missing, retrying lost races
   * (the resourceVersion precondition). `change` returning undefined leaves the object as it is.
   */
  async function updateObject(
    objectCollection: string,
    name: string,
    kind: 'ConfigMap' | 'Secret',
    change: (data: Record<string, string>) => Record<string, string> | undefined,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const current = await client.get(`${objectCollection}/${name}`);
      const data = change({ ...((current?.data ?? {}) as Record<string, string>) });
      if (data === undefined) return;
      try {
        if (current === undefined) {
          await client.create(objectCollection, {
            apiVersion: 'v1',
            kind,
            metadata: { name, labels: { 'app.kubernetes.io/part-of': 'zonemesh' } },
            ...(kind === 'Secret' ? { type: 'Opaque' } : {}),
            data,
          });
        } else {
          await client.replace(`${objectCollection}/${name}`, { ...current, data });
        }
        return;
      } catch (err) {
        const raced = isMeshError(err, 'Conflict') || isMeshError(err, 'AlreadyExists');
        if (!raced || attempt >= 20) throw err;
      }
    }
  }

  async function create(resource: NewResource, writeOptions: WriteOptions = {}): Promise<Resource> {
    open();
    const key = keyOfResource(resource);
    if ((await find(key)) !== undefined) throw alreadyExists(key);
    const now = new Date().toISOString();
    const creationTime = resource.meta.creationTime ?? now;
    let created: KubeObject | undefined;
    for (const objectName of candidateNames(key)) {
      try {
        created = await client.create(
          collection(key.type),
          toObject(resource, objectName, creationTime, now),
        );
        break;
      } catch (err) {
        if (!isMeshError(err, 'AlreadyExists') && !isMeshError(err, 'Conflict')) throw err;
        const holder = await client.get(`${collection(key.type)}/${objectName}`);
        if (holder !== undefined && sameKey(toResource(key.type, holder), key)) throw alreadyExists(key);
      }
    }
    if (created === undefined) throw alreadyExists(key);
    observe(key.type, 'upsert', created);
    await writeCheckpoint(writeOptions.checkpoint);
    return toResource(key.type, created);
  }

  async function update(resource: NewResource, updateOptions: UpdateOptions = {}): Promise<Resource> {
    open();
    const key = keyOfResource(resource);
    for (;;) {
      const current = await find(key);
      if (current === undefined) throw notFound(key);
      const currentResource = toResource(key.type, current);
      if (updateOptions.version !== undefined && updateOptions.version !== currentResource.meta.version) {
        throw conflict(key);
      }
      const objectName = current.metadata?.name ?? '';
      const next = toObject(
        resource,
        objectName,
        currentResource.meta.creationTime,
        new Date().toISOString(),
      );
      (next.metadata ?? {}).resourceVersion = current.metadata?.resourceVersion ?? '';
      try {
        const replaced = await client.replace(`${collection(key.type)}/${objectName}`, next);
        observe(key.type, 'upsert', replaced);
        await writeCheckpoint(updateOptions.checkpoint);
        return toResource(key.type, replaced);
      } catch (err) {
        if (isMeshError(err, 'NotFound')) throw notFound(key);
        if (!isMeshError(err, 'Conflict')) throw err;
        // Someone wrote in between: a versioned update fails, an unconditional one tries again.
        if (updateOptions.version !== undefined) throw conflict(key);
      }
    }
  }

  async function remove(key: ResourceKey, deleteOptions: DeleteOptions = {}): Promise<void> {
    open();
    for (;;) {
      const current = await find(key);
      if (current === undefined) throw notFound(key);
      const currentResource = toResource(key.type, current);
      if (deleteOptions.version !== undefined && deleteOptions.version !== currentResource.meta.version) {
        throw conflict(key);
      }
      try {
        await client.delete(`${collection(key.type)}/${current.metadata?.name ?? ''}`, {
          resourceVersion: current.metadata?.resourceVersion ?? '',
        });
        observe(key.type, 'delete', current);
        await writeCheckpoint(deleteOptions.checkpoint);
        return;
      } catch (err) {
        if (isMeshError(err, 'NotFound')) throw notFound(key);
        if (!isMeshError(err, 'Conflict')) throw err;
        if (deleteOptions.version !== undefined) throw conflict(key);
      }
    }
  }

  async function list(type: ResourceType, listOptions: ListOptions = {}): Promise<ListResult> {
    open();
    const answer = await client.list(collection(type));
    const mesh = isMeshScoped(type) ? listOptions.mesh : undefined;
    const all = answer.items
      .map((object) => toResource(type, object))
      .filter((resource) => mesh === undefined || resource.meta.mesh === mesh)
      .sort((a, b) => compare(sortField(a), sortField(b)));
    const size = listOptions.size ?? 100;
    const offset = listOptions.offset ?? 0;
    const items = all.slice(offset, offset + size);
    const next = offset + items.length < all.length ? offset + items.length : undefined;
    return { items, total: all.length, ...(next === undefined ? {} : { next }) };
  }

  /** Waits until the informers reflect every kuma.io write the API server has made so far. */
  async function catchUp(): Promise<void> {
    const deadline = Date.now() + (options.catchUpTimeoutMs ?? 10_000);
    const unavailable = (): MeshError =>
      new MeshError('Unavailable', 'the Kubernetes store could not catch up with the API server in time');
    for (const informer of informers.values()) {
      const synced = await Promise.race([
        informer.synced.then(() => true),
        sleep(Math.max(0, deadline - Date.now())).then(() => false),
      ]);
      if (!synced) throw unavailable();
    }
    for (const type of types) {
      const answer = await client.list(collection(type));
      const listed = new Map(answer.items.map((object) => [object.metadata?.name ?? '', versionOf(object)]));
      const listRv = parseVersion(answer.resourceVersion);
      const objects = cache.get(type) as Map<string, Cached>;
      const deleted = tombstones.get(type) as Map<string, bigint>;
      const caughtUp = (): boolean => {
        for (const [objectName, rv] of listed) {
          const seen = objects.get(objectName)?.rv ?? deleted.get(objectName);
          if (seen === undefined || seen < rv) return false;
        }
        for (const [objectName, entry] of objects) {
          if (!listed.has(objectName) && entry.rv <= listRv) return false;
        }
        return true;
      };
      while (!caughtUp()) {
        if (closed) throw closedError();
        if (Date.now() > deadline) throw unavailable();
        await sleep(20);
      }
    }
  }

  function open(): void {
    if (closed) throw closedError();
  }

  async function* watch(watchOptions: WatchOptions = {}): AsyncGenerator<StoreEvent> {
    open();
    const { signal } = watchOptions;
    let position = watchOptions.fromRevision ?? sequence;
    const oldest = (history[0]?.revision ?? sequence + 1) - 1;
    if (position < oldest || position > sequence) {
      throw new MeshError(
        'HistoryGone',
        `revision ${position} is outside this store's history (${oldest}..${sequence}); list again`,
      );
    }
    let wake: (() => void) | undefined;
    const notify = (): void => {
      wake?.();
      wake = undefined;
    };
    waiters.add(notify);
    signal?.addEventListener('abort', notify, { once: true });
    try {
      for (;;) {
        if (signal?.aborted === true || closed) return;
        const first = history[0]?.revision ?? sequence + 1;
        if (position + 1 < first) {
          throw new MeshError(
            'HistoryGone',
            `the events after revision ${position} are no longer kept; list again`,
          );
        }
        const next = history[position + 1 - first];
        if (next !== undefined) {
          position = next.revision;
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      waiters.delete(notify);
      signal?.removeEventListener('abort', notify);
    }
  }

  return {
    async get(key) {
      open();
      const object = await find(key);
      return object === undefined ? undefined : toResource(key.type, object);
    },
    list,
    create,
    update,
    delete: remove,
    async revision() {
      open();
      await catchUp();
      return sequence;
    },
    watch,
    async getCheckpoint(name) {
      open();
      const dataKey = configMapKey(name);
      if (isSecretCheckpoint(name)) {
        const stored = await client.get(`${secretCollection}/${secret}`);
        const encoded = ((stored?.data ?? {}) as Record<string, string>)[dataKey];
        if (encoded !== undefined) return Buffer.from(encoded, 'base64').toString('utf8');
      }
      const current = await client.get(`${configMapCollection}/${configMap}`);
      return ((current?.data ?? {}) as Record<string, string>)[dataKey];
    },
    async setCheckpoint(checkpoint) {
      open();
      await writeCheckpoint(checkpoint);
    },
    async close() {
      if (closed) return;
      closed = true;
      abort.abort();
      for (const wake of waiters) wake();
      await Promise.all([...informers.values()].map(async (informer) => informer.done));
    },
  };
}

/** The object names a key may have: its own name when that is a DNS name, then the hashed one. */
export function candidateNames(key: ResourceKey): string[] {
  const hash = createHash('sha256')
    .update(`${key.type}/${key.mesh ?? ''}/${key.name}`)
    .digest('hex')
    .slice(0, 10);
  const base = key.name
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 200)
    .replace(/[^a-z0-9]+$/, '');
  const hashed = `${base === '' ? 'r' : base}-${hash}`;
  return dnsSubdomain.test(key.name) ? [key.name, hashed] : [hashed];
}

/** Reads an object as a resource (no validation: the store returns what is stored). */
export function toResource(type: ResourceType, object: KubeObject): Resource {
  const metadata = object.metadata ?? {};
  const annotations = metadata.annotations ?? {};
  const labels = metadata.labels ?? {};
  const creationTime = annotations[StoreAnnotations.creationTime] ?? metadata.creationTimestamp ?? '';
  const mesh = isMeshScoped(type)
    ? typeof object.mesh === 'string'
      ? object.mesh
      : (labels[Labels.mesh] ?? 'default')
    : undefined;
  return deepFreeze({
    type,
    meta: {
      name: annotations[StoreAnnotations.name] ?? metadata.name ?? '',
      ...(mesh === undefined ? {} : { mesh }),
      labels: { ...labels },
      creationTime,
      modificationTime: annotations[StoreAnnotations.modificationTime] ?? creationTime,
      version: metadata.resourceVersion ?? '',
    },
    spec: structuredClone(object.spec ?? {}),
  });
}

function toObject(
  resource: NewResource,
  objectName: string,
  creationTime: string,
  modificationTime: string,
): KubeObject {
  return {
    apiVersion: kubernetesApiVersion,
    kind: resource.type,
    ...(resource.meta.mesh === undefined ? {} : { mesh: resource.meta.mesh }),
    metadata: {
      name: objectName,
      labels: { ...resource.meta.labels },
      annotations: {
        [StoreAnnotations.name]: resource.meta.name,
        [StoreAnnotations.creationTime]: creationTime,
        [StoreAnnotations.modificationTime]: modificationTime,
      },
    },
    spec: structuredClone(resource.spec) as unknown,
  };
}

function keyOfResource(resource: NewResource): ResourceKey {
  return {
    type: resource.type,
    name: resource.meta.name,
    ...(resource.meta.mesh === undefined ? {} : { mesh: resource.meta.mesh }),
  };
}

function sameKey(resource: Resource, key: ResourceKey): boolean {
  return (
    resource.meta.name === key.name &&
    (resource.meta.mesh ?? undefined) === (isMeshScoped(key.type) ? key.mesh : undefined)
  );
}

function sortField(resource: Resource): string {
  return `${resource.meta.mesh ?? ''}\0${resource.meta.name}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function versionOf(object: KubeObject): bigint {
  return parseVersion(object.metadata?.resourceVersion ?? '');
}

/** resourceVersions are opaque to clients but etcd revisions in practice; unparsable ones count as 0. */
function parseVersion(version: string): bigint {
  return /^\d+$/.test(version) ? BigInt(version) : 0n;
}

/**
 * Checkpoints that hold private keys, kept in the Secret: the token signing keys
 * (`zonemesh.io/auth/signing-keys`) and the mesh CAs' roots and intermediates
 * (`zonemesh.io/mesh-ca/...`). Revocations and global's public trust state stay in the ConfigMap,
 * as do sync positions.
 */
export function isSecretCheckpoint(name: string): boolean {
  return name === 'zonemesh.io/auth/signing-keys' || name.startsWith('zonemesh.io/mesh-ca/');
}

/** ConfigMap keys allow `[-._a-zA-Z0-9]`; other characters are written as `_XX` (hex). */
function configMapKey(name: string): string {
  return name.replace(/[^-.a-zA-Z0-9]|_/g, (char) => `_${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function describe(key: ResourceKey): string {
  return key.mesh === undefined ? `${key.type} ${key.name}` : `${key.type} ${key.name} in mesh ${key.mesh}`;
}

function alreadyExists(key: ResourceKey): MeshError {
  return new MeshError('AlreadyExists', `${describe(key)} already exists`);
}

function notFound(key: ResourceKey): MeshError {
  return new MeshError('NotFound', `${describe(key)} does not exist`);
}

function conflict(key: ResourceKey): MeshError {
  return new MeshError('Conflict', `${describe(key)} was changed by someone else; read it again and retry`);
}

function closedError(): MeshError {
  return new MeshError('Unavailable', 'the Kubernetes store is closed');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
