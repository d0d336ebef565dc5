/**
 * The object storage behind the fake Kubernetes API: objects per resource, one cluster-wide
 * resourceVersion counter (as etcd's revision), a bounded event history that watches resume
 * from, and compaction (after which a too-old resourceVersion answers 410 Gone).
 */
import { randomUUID } from 'node:crypto';

/** A Kubernetes object as JSON. */
export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: KubeObjectMeta;
};

/** The metadata fields the fake reads and sets. */
export interface KubeObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** One kind of resource the fake serves. */
export interface FakeResourceType {
  /** API group, `''` for the core group. */
  readonly group: string;
  readonly version: string;
  /** Lowercase plural as in the URL (`pods`, `trafficpermissions`). */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** A watch event as the API server streams it. */
export interface FakeWatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubeObject;
}

interface StoredEvent extends FakeWatchEvent {
  readonly resource: string;
  readonly revision: number;
}

/** `group/version/plural` (core: `/v1/plural`), the identity of a resource type. */
export function resourceId(type: Pick<FakeResourceType, 'group' | 'version' | 'plural'>): string {
  return `${type.group}/${type.version}/${type.plural}`;
}

/** An error the HTTP layer answers as a `Status` object. */
export class FakeKubeError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    /** `Status.details` (a webhook's field causes). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Objects, the revision counter, history and watchers of one fake cluster. */
export class FakeKubeStorage {
  private revision = 1;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private history: StoredEvent[] = [];
  /** Revisions at or below this one are compacted: watches from them answer 410. */
  private compactedThrough = 0;
  private readonly listeners = new Set<(event: StoredEvent) => void>();

  constructor(private readonly historyLimit: number) {}

  /** The current cluster-wide resourceVersion. */
  currentRevision(): number {
    return this.revision;
  }

  /** Objects of a resource, optionally in one namespace; sorted by namespace then name. */
  list(resource: string, namespace?: string): KubeObject[] {
    const all = [...(this.objects.get(resource)?.values() ?? [])].filter(
      (object) => namespace === undefined || object.metadata?.namespace === namespace,
    );
    return all
      .sort((a, b) => objectKey(a).localeCompare(objectKey(b)))
      .map((object) => structuredClone(object));
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.objects.get(resource)?.get(key(namespace, name));
    return found === undefined ? undefined : structuredClone(found);
  }

  create(resource: string, object: KubeObject): KubeObject {
    const meta = { ...object.metadata };
    if ((meta.name ?? '') === '' && (meta.generateName ?? '') !== '') {
      meta.name = `${meta.generateName}${randomUUID().slice(0, 5)}`;
    }
    const name = meta.name ?? '';
    if (name === '')
      throw new FakeKubeError(422, 'Invalid', 'metadata.name: Required value: name is required');
    const objects = this.bucket(resource);
    if (objects.has(key(meta.namespace, name))) {
      throw new FakeKubeError(409, 'AlreadyExists', `"${name}" already exists`);
    }
    const stored: KubeObject = {
      ...structuredClone(object),
      metadata: {
        ...meta,
        uid: randomUUID(),
        resourceVersion: String(++this.revision),
        generation: 1,
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    };
    objects.set(key(meta.namespace, name), stored);
    this.record(resource, 'ADDED', stored);
    return structuredClone(stored);
  }

  /** Replaces an object; a given `metadata.resourceVersion` must be the current one. */
  replace(resource: string, object: KubeObject): KubeObject {
    const meta = object.metadata ?? {};
    const objects = this.bucket(resource);
    const current = objects.get(key(meta.namespace, meta.name ?? ''));
    if (current === undefined) throw notFound(meta.name ?? '');
    const currentMeta = current.metadata ?? {};
    if ((meta.resourceVersion ?? '') !== '' && meta.resourceVersion !== currentMeta.resourceVersion) {
      throw new FakeKubeError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on "${meta.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const specChanged = JSON.stringify(object.spec) !== JSON.stringify(current.spec);
    const stored: KubeObject = {
      ...structuredClone(object),
      metadata: {
        ...structuredClone(meta),
        ...(currentMeta.uid === undefined ? {} : { uid: currentMeta.uid }),
        ...(currentMeta.creationTimestamp === undefined
          ? {}
          : { creationTimestamp: currentMeta.creationTimestamp }),
        generation: (currentMeta.generation ?? 1) + (specChanged ? 1 : 0),
        resourceVersion: String(++this.revision),
      },
    };
    objects.set(key(meta.namespace, meta.name ?? ''), stored);
    this.record(resource, 'MODIFIED', stored);
    return structuredClone(stored);
  }

  /** Deletes an object; a given `resourceVersion` precondition must be the current one. */
  delete(resource: string, namespace: string | undefined, name: string, precondition?: string): KubeObject {
    const objects = this.bucket(resource);
    const current = objects.get(key(namespace, name));
    if (current === undefined) throw notFound(name);
    if (precondition !== undefined && precondition !== current.metadata?.resourceVersion) {
      throw new FakeKubeError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on "${name}": the ResourceVersion in the precondition (${precondition}) does not match the ResourceVersion in record (${current.metadata?.resourceVersion}). The object might have been modified`,
      );
    }
    objects.delete(key(namespace, name));
    const gone: KubeObject = {
      ...current,
      metadata: { ...current.metadata, resourceVersion: String(++this.revision) },
    };
    this.record(resource, 'DELETED', gone);
    return structuredClone(gone);
  }

  /**
   * The events of `resource` after `fromRevision`, or `gone` when history no longer reaches back
   * that far (the API then answers 410 Gone / "too old resource version").
   */
  eventsSince(resource: string, fromRevision: number): FakeWatchEvent[] | 'gone' {
    if (fromRevision < this.compactedThrough) return 'gone';
    return this.history
      .filter((event) => event.resource === resource && event.revision > fromRevision)
      .map(({ type, object }) => ({ type, object: structuredClone(object) }));
  }

  /** Forgets all history up to the current revision: older resourceVersions answer 410. */
  compact(): void {
    this.history = [];
    this.compactedThrough = this.revision;
  }

  /** Calls `listener` with every later event of `resource`; returns the unsubscribe function. */
  subscribe(resource: string, listener: (event: FakeWatchEvent) => void): () => void {
    const filtered = (event: StoredEvent): void => {
      if (event.resource === resource) listener({ type: event.type, object: structuredClone(event.object) });
    };
    this.listeners.add(filtered);
    return () => this.listeners.delete(filtered);
  }

  private bucket(resource: string): Map<string, KubeObject> {
    let objects = this.objects.get(resource);
    if (objects === undefined) {
      objects = new Map();
      this.objects.set(resource, objects);
    }
    return objects;
  }

  private record(resource: string, type: FakeWatchEvent['type'], object: KubeObject): void {
    const event: StoredEvent = {
      resource,
      type,
      object: structuredClone(object),
      revision: this.revision,
    };
    this.history.push(event);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.compactedThrough = Math.max(this.compactedThrough, dropped.at(-1)?.revision ?? 0);
    }
    for (const listener of this.listeners) listener(event);
  }
}

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function objectKey(object: KubeObject): string {
  return key(object.metadata?.namespace, object.metadata?.name ?? '');
}

function notFound(name: string): FakeKubeError {
  return new FakeKubeError(404, 'NotFound', `"${name}" not found`);
}

/**
 * Whether `labels` match a label selector in its URL form: `k=v`, `k==v`, `k!=v`, `k`, `!k`,
 * `k in (a,b)`, `k notin (a,b)`, comma-separated (all must hold).
 */
export function matchesLabelSelector(labels: Record<string, string>, selector: string): boolean {
  const terms = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return terms.every((raw) => {
    const term = raw.trim();
    if (term === '') return true;
    const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (set !== null) {
      const values = (set[3] ?? '').split(',').map((value) => value.trim());
      const has = Object.hasOwn(labels, set[1] ?? '') && values.includes(labels[set[1] ?? ''] ?? '');
      return set[2] === 'in' ? has : !has;
    }
    const inequality = /^([^!=]+)!=(.*)$/.exec(term);
    if (inequality !== null) return labels[inequality[1] ?? ''] !== inequality[2];
    const equality = /^([^!=]+)==?(.*)$/.exec(term);
    if (equality !== null) return labels[equality[1] ?? ''] === equality[2];
    if (term.startsWith('!')) return !Object.hasOwn(labels, term.slice(1));
    return Object.hasOwn(labels, term);
  });
}
