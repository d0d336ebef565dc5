/**
 * Who may write what through the REST API. Reads are open; writes need an admin (a user token of
 * group `mesh-system:admin`, or loopback with `--api-localhost-is-admin`; see api-access.ts), and
 * each mode owns some kinds: a federated zone refuses kinds written on global, global refuses
 * kinds written in zones. Sync writes straight to the store, so these rules only bind users.
 */
import { MeshError, type KindDescriptor } from '@zonemesh/api';
import type { HttpRequest } from '@zonemesh/runtime';
import { isFederatedZone, type ControlPlaneConfig } from '../config.js';
import { requireAdmin } from './api-access.js';

/** Throws `Unauthenticated` (anonymous) or `Forbidden` (not an admin) unless the request may write. */
export function requireWriter(request: HttpRequest, config: ControlPlaneConfig): void {
  requireAdmin(request, 'writing', config.apiLocalhostIsAdmin);
}

/** Throws `MethodNotAllowed` (405) when this mode does not accept user writes of the kind. */
export function requireWritableKind(descriptor: KindDescriptor, config: ControlPlaneConfig): void {
  if (config.mode === 'global' && descriptor.origin === 'zone') {
    throw new MeshError(
      'MethodNotAllowed',
      `${descriptor.type} resources are written on zone control planes, not on global; apply it to the zone where it lives`,
    );
  }
  if (isFederatedZone(config) && descriptor.origin === 'global') {
    throw new MeshError(
      'MethodNotAllowed',
      `${descriptor.type} resources come from the global control plane; this zone (${config.zone}) is federated and only keeps copies, so apply it on global`,
    );
  }
}
