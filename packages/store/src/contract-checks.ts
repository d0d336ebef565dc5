/**
 * `withContractChecks` guards the `ResourceStore` contract at the boundary: bad input is refused
 * with `InvalidInput` naming the field before a backend sees it (so nothing changes), and backend
 * output that breaks the contract (a version that did not change, a watch going backwards) is
 * reported as `Internal` instead of silently corrupting callers.
 */
import {
  type FieldError,
  formatKey,
  isMeshScoped,
  isResourceType,
  MeshError,
  type NewResource,
  type Resource,
  type ResourceKey,
  type ResourceType,
} from '@zonemesh/api';
import { maxPageSize } from './resource-key.js';
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
} from './store.js';

/**
 * Names (resource, mesh): 1 to 253 ASCII letters, digits, `.`, `-` or `_`, starting and ending
 * with a letter or digit. Covers Kuma's Universal names and Kubernetes `<name>.<namespace>`, and
 * keeps names safe in REST paths, NATS subjects and store keys.
 */
const namePattern = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/;
/** RFC 3339 with a zone (what `Date.prototype.toISOString` writes, and what Kuma writes). */
const timestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const maxCheckpointNameLength = 256;

/** Wraps a backend so that every call is checked against the `ResourceStore` contract. */
export function withContractChecks(store: ResourceStore): ResourceStore {
  return new ContractCheckedStore(store);
}

class ContractCheckedStore implements ResourceStore {
  readonly #store: ResourceStore;

  constructor(store: ResourceStore) {
    this.#store = store;
  }

  async get(key: ResourceKey): Promise<Resource | undefined> {
    refuse(keyProblems(key));
    const resource = await this.#store.get(key);
    if (resource !== undefined) checkReturned('get', resource, key);
    return resource;
  }

  async list(type: ResourceType, options: ListOptions = {}): Promise<ListResult> {
    refuse([...typeProblems(type, 'type'), ...listProblems(options)]);
    const result = await this.#store.list(type, options);
    const size = options.size ?? 100;
    const offset = options.offset ?? 0;
    const mesh = isMeshScoped(type) ? options.mesh : undefined;
    if (
      result.items.length > size ||
      (result.items.length > 0 && offset + result.items.length > result.total)
    ) {
      broken(
        'list',
        `returned ${result.items.length} items of ${result.total} at offset ${offset}, page size ${size}`,
      );
    }
    const expectedNext =
      offset + result.items.length < result.total ? offset + result.items.length : undefined;
    if (result.next !== expectedNext) broken('list', `next is ${result.next}, expected ${expectedNext}`);
    for (const item of result.items) {
      if (item.type !== type || (mesh !== undefined && item.meta.mesh !== mesh)) {
        broken(
          'list',
          `returned ${formatKey({ ...item.meta, type: item.type })} for ${type} mesh ${mesh ?? '*'}`,
        );
      }
    }
    return result;
  }

  async create(resource: NewResource, options: WriteOptions = {}): Promise<Resource> {
    refuse([...resourceProblems(resource), ...writeProblems(options)]);
    const created = await this.#store.create(resource, options);
    checkReturned('create', created, keyOfNew(resource));
    return created;
  }

  async update(resource: NewResource, options: UpdateOptions = {}): Promise<Resource> {
    refuse([...resourceProblems(resource), ...writeProblems(options), ...versionProblems(options)]);
    const updated = await this.#store.update(resource, options);
    checkReturned('update', updated, keyOfNew(resource));
    if (options.version !== undefined && updated.meta.version === options.version) {
      broken('update', `version stayed ${options.version}`);
    }
    return updated;
  }

  async delete(key: ResourceKey, options: DeleteOptions = {}): Promise<void> {
    refuse([...keyProblems(key), ...writeProblems(options), ...versionProblems(options)]);
    await this.#store.delete(key, options);
  }

  revision(): Promise<number> {
    return this.#store.revision();
  }

  async *watch(options: WatchOptions = {}): AsyncGenerator<StoreEvent> {
    const from = options.fromRevision;
    if (from !== undefined && (!Number.isSafeInteger(from) || from < 0)) {
      refuse([{ field: 'fromRevision', message: 'must be a non-negative integer' }]);
    }
    let last = from ?? -1;
    for await (const event of this.#store.watch(options)) {
      if (!Number.isSafeInteger(event.revision) || event.revision <= last) {
        broken('watch', `revision ${event.revision} after ${last}: revisions must strictly increase`);
      }
      if (event.type !== 'delete' && event.resource.meta.version === '')
        broken('watch', 'event without version');
      last = event.revision;
      yield event;
    }
  }

  async getCheckpoint(name: string): Promise<string | undefined> {
    refuse(checkpointNameProblems(name, 'name'));
    return this.#store.getCheckpoint(name);
  }

  async setCheckpoint(checkpoint: Checkpoint): Promise<void> {
    refuse(checkpointProblems(checkpoint, ''));
    return this.#store.setCheckpoint(checkpoint);
  }

  close(): Promise<void> {
    return this.#store.close();
  }
}

function refuse(problems: readonly FieldError[]): void {
  if (problems.length === 0) return;
  const summary = problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
  throw new MeshError('InvalidInput', `invalid store call: ${summary}`, { causes: problems });
}

/** A backend broke the contract: a bug, reported as `Internal`. */
function broken(call: string, message: string): never {
  throw new MeshError('Internal', `store ${call} broke the contract: ${message}`);
}

function checkReturned(call: string, resource: Resource, key: ResourceKey): void {
  const returned = keyOfNew(resource);
  if (formatKey(returned) !== formatKey(key)) {
    broken(call, `returned ${formatKey(returned)} for ${formatKey(key)}`);
  }
  if (typeof resource.meta.version !== 'string' || resource.meta.version === '')
    broken(call, 'returned no version');
  for (const field of ['creationTime', 'modificationTime'] as const) {
    if (!timestampPattern.test(resource.meta[field])) broken(call, `meta.${field} is not RFC 3339`);
  }
}

function keyOfNew(resource: {
  readonly type: ResourceType;
  readonly meta: { name: string; mesh?: string };
}): ResourceKey {
  return resource.meta.mesh === undefined
    ? { type: resource.type, name: resource.meta.name }
    : { type: resource.type, name: resource.meta.name, mesh: resource.meta.mesh };
}

function typeProblems(type: unknown, field: string): FieldError[] {
  return isResourceType(type) ? [] : [{ field, message: `unknown resource type ${JSON.stringify(type)}` }];
}

function nameProblems(name: unknown, field: string): FieldError[] {
  if (typeof name !== 'string' || name === '') return [{ field, message: 'must be a non-empty string' }];
  if (!namePattern.test(name)) {
    return [
      {
        field,
        message:
          'must be at most 253 letters, digits, ".", "-" or "_", starting and ending with a letter or digit',
      },
    ];
  }
  return [];
}

/** Problems of a key (or a new resource's type + meta), with field paths prefixed by `prefix`. */
function keyProblems(key: { type: unknown; name: unknown; mesh?: unknown }, prefix = ''): FieldError[] {
  const problems = [...typeProblems(key.type, 'type'), ...nameProblems(key.name, `${prefix}name`)];
  if (isResourceType(key.type)) {
    if (isMeshScoped(key.type)) {
      if (key.mesh === undefined)
        problems.push({ field: `${prefix}mesh`, message: `is required for ${key.type}` });
      else problems.push(...nameProblems(key.mesh, `${prefix}mesh`));
    } else if (key.mesh !== undefined) {
      problems.push({ field: `${prefix}mesh`, message: `must be absent: ${key.type} is not mesh-scoped` });
    }
  }
  return problems;
}

function resourceProblems(resource: NewResource): FieldError[] {
  if (typeof resource !== 'object' || resource === null)
    return [{ field: 'resource', message: 'must be an object' }];
  const meta: unknown = resource.meta;
  if (typeof meta !== 'object' || meta === null) return [{ field: 'meta', message: 'must be an object' }];
  const { name, mesh, labels, creationTime } = meta as Record<string, unknown>;
  const problems = keyProblems({ type: resource.type, name, mesh }, 'meta.');
  if (labels !== undefined) {
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
      problems.push({ field: 'meta.labels', message: 'must be an object of strings' });
    } else {
      for (const [label, value] of Object.entries(labels)) {
        if (label === '') problems.push({ field: 'meta.labels', message: 'label keys must be non-empty' });
        if (typeof value !== 'string')
          problems.push({ field: `meta.labels.${label}`, message: 'must be a string' });
      }
    }
  }
  if (creationTime !== undefined && (typeof creationTime !== 'string' || !validTimestamp(creationTime))) {
    problems.push({ field: 'meta.creationTime', message: 'must be an RFC 3339 timestamp' });
  }
  const spec: unknown = resource.spec;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    problems.push({ field: 'spec', message: 'must be an object' });
  }
  return problems;
}

function validTimestamp(value: string): boolean {
  return timestampPattern.test(value) && !Number.isNaN(Date.parse(value));
}

function listProblems(options: ListOptions): FieldError[] {
  const problems: FieldError[] = [];
  if (options.mesh !== undefined) problems.push(...nameProblems(options.mesh, 'mesh'));
  const { size, offset } = options;
  if (size !== undefined && (!Number.isInteger(size) || size < 1 || size > maxPageSize)) {
    problems.push({ field: 'size', message: `must be an integer from 1 to ${maxPageSize}` });
  }
  if (offset !== undefined && (!Number.isSafeInteger(offset) || offset < 0)) {
    problems.push({ field: 'offset', message: 'must be a non-negative integer' });
  }
  return problems;
}

function writeProblems(options: WriteOptions): FieldError[] {
  return options.checkpoint === undefined ? [] : checkpointProblems(options.checkpoint, 'checkpoint.');
}

function versionProblems(options: UpdateOptions): FieldError[] {
  const { version } = options;
  return version === undefined || (typeof version === 'string' && version !== '')
    ? []
    : [{ field: 'version', message: 'must be a non-empty string when given' }];
}

function checkpointNameProblems(name: unknown, field: string): FieldError[] {
  return typeof name === 'string' && name !== '' && name.length <= maxCheckpointNameLength
    ? []
    : [{ field, message: `must be a non-empty string of at most ${maxCheckpointNameLength} characters` }];
}

function checkpointProblems(checkpoint: Checkpoint, prefix: string): FieldError[] {
  const problems = checkpointNameProblems(checkpoint.name, `${prefix}name`);
  if (typeof checkpoint.value !== 'string')
    problems.push({ field: `${prefix}value`, message: 'must be a string' });
  return problems;
}
