/**
 * Who may write what through the REST API. Reads are open; writes need an admin (loopback with
 * `--api-localhost-is-admin`), and each mode owns some kinds: a federated zone refuses kinds
 * written on global, global refuses kinds written in zones. Sync writes straight to the store,
 * so these rules only bind users.
 */
import { MeshError, type KindDescriptor } from '@zonemesh/api';
import { isLoopback, type HttpRequest } from '@zonemesh/runtime';
import { isFederatedZone, type ControlPlaneConfig } from '../config.js';

/** Throws `Unauthenticated` unless the request may write. */
export function requireWriter(request: HttpRequest, config: ControlPlaneConfig): void {
  if (config.apiLocalhostIsAdmin && isLoopback(request.remoteAddress)) return;
  const hint = config.apiLocalhostIsAdmin
    ? 'send the request from the control plane host (loopback)'
    : 'start the control plane with --api-localhost-is-admin and send it from loopback';
  throw new MeshError(
    'Unauthenticated',
    `writing needs admin rights and admin tokens are not supported yet: ${hint}`,
  );
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
