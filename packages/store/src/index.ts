/** @zonemesh/store — the ResourceStore contract and its backends. */
export { withContractChecks } from './contract-checks.js';
export { createMemoryStore } from './memory-store.js';
export { createRedisStore } from './redis-store.js';
export type { MemoryStoreOptions } from './memory-store.js';
export type { RedisStoreOptions } from './redis-store.js';
export type {
  Checkpoint,
  DeleteOptions,
  ListOptions,
  ListResult,
  ResourceStore,
  StoreEvent,
  StoreEventType,
  UpdateOptions,
  WatchOptions,
  WriteOptions,
} from './store.js';
