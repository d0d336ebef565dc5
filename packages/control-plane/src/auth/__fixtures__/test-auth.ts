/** Token auth for tests of the REST API: the real authority over the test's store, logging nothing. */
import { createLogger } from '@zonemesh/runtime';
import type { ResourceStore } from '@zonemesh/store';
import type { ControlPlaneConfig } from '../../config.js';
import { createControlPlaneRuntime } from '../../control-plane-runtime.js';
import { type ControlPlaneAuth, setupAuth } from '../setup-auth.js';

/** The auth a control plane with `config` would have, over `store` (no NATS exchange started). */
export function testAuth(config: ControlPlaneConfig, store: ResourceStore): ControlPlaneAuth {
  const runtime = { ...createControlPlaneRuntime(config), log: createLogger({ level: 'silent' }) };
  return setupAuth(runtime, store, undefined);
}
