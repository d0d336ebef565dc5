/**
 * Federation over NATS: global publishes its resources and watches the zones; a federated zone
 * receives global's resources and publishes its own (see `@zonemesh/sync`).
 *
 * `@zonemesh/sync` has not landed yet: until it does, a control plane with `--nats-url` says so
 * in its log and runs without federation.
 */
import type { ResourceStore } from '@zonemesh/store';
import type { ControlPlaneRuntime } from './control-plane-runtime.js';
import { noFederation, type Federation } from './federation.js';

/** Adds the sync component for this mode; returns what the API shows about federation. */
export function setupSync(runtime: ControlPlaneRuntime, _store: ResourceStore): Federation {
  if (runtime.config.natsUrl !== undefined) {
    runtime.log.child({ component: 'sync' }).warn('federation over nats is not available in this build yet');
  }
  return noFederation;
}
