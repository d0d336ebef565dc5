/** @zonemesh/store — the ResourceStore contract and its backends. */
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
