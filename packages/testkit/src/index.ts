/** @zonemesh/testkit — real servers on free ports, process hygiene, and resource builders for tests. */
export {
  dataplane,
  healthCheck,
  mesh,
  meshTrafficPermission,
  trafficPermission,
  trafficRoute,
  zone,
  zoneIngress,
} from './builders.js';
export { containerRuntimeAnswers, startContainer } from './container-runtime.js';
export { findBinary, locateBinary, MissingBinaryError } from './find-binary.js';
export { freePort } from './free-port.js';
export {
  killAllProcesses,
  registerCleanup,
  runningProcessCount,
  startProcess,
  waitForPort,
} from './managed-process.js';
export { natsInstallHint, startNats, startNatsHubWithLeaves } from './nats-server.js';
export { redisInstallHint, startRedis } from './redis-server.js';
export type {
  BuilderOptions,
  DataplaneInput,
  InboundInput,
  SelectorInput,
  ZoneIngressInput,
} from './builders.js';
export type { StartedContainer } from './container-runtime.js';
export type {
  ManagedProcess,
  ProcessExit,
  StartProcessOptions,
  WaitForPortOptions,
} from './managed-process.js';
export type { RedisServer, StartRedisOptions } from './redis-server.js';
export type { RestartableServer } from './restartable-server.js';
export type {
  LeafRemoteCredentials,
  NatsHubWithLeaves,
  NatsServer,
  StartNatsHubWithLeavesOptions,
  StartNatsOptions,
} from './nats-server.js';
export { startFakeKubeApi } from './fake-kube-api.js';
export { applyJsonPatch } from './fake-kube-admission.js';
export type { FakeKubeApi, FakeKubeResponse, StartFakeKubeApiOptions } from './fake-kube-api.js';
export type { ServiceResolver } from './fake-kube-admission.js';
export type { FakeResourceType, KubeObject, KubeObjectMeta } from './fake-kube-storage.js';
