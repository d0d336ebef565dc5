/**
 * The validating webhook for `kuma.io` objects. It enforces what a CRD schema cannot:
 * - ownership, with Kuma's wording: a federated zone takes global kinds (policies, meshes) only
 *   from the global control plane, and global takes zone kinds (Dataplanes, ZoneIngresses) only
 *   from zones; the control plane's own writes (its service account) pass;
 * - Kuma's validation rules, with the same field errors as the REST API (both run
 *   `decodeResource` of @zonemesh/api), answered as a 422 `Invalid` status with one cause per field.
 */
import { descriptorFor, isMeshError, kubernetesApiVersion, decodeResource } from '@zonemesh/api';
import { type AdmissionRequest, type AdmissionResponse, allow, deny } from './admission-review.js';
import { kumaGroup, typeOfPlural } from './custom-resource-definitions.js';

export interface ResourceAdmissionOptions {
  readonly mode: 'global' | 'zone';
  /** A zone connected to a global control plane. */
  readonly federated: boolean;
  /** Users whose writes skip the ownership check (the control plane's service account). */
  readonly trustedUsers: readonly string[];
}

/** The Kuma message for a write this control plane does not take. */
export function ownershipMessage(kind: string, from: 'GLOBAL' | 'ZONE', not: 'GLOBAL' | 'ZONE'): string {
  return `Operation not allowed. Kuma resources like ${kind} can be updated or deleted only from the ${from} control plane and not from a ${not} control plane.`;
}

/** Answers one admission request for a kuma.io object. */
export function admitResource(
  request: AdmissionRequest,
  options: ResourceAdmissionOptions,
): AdmissionResponse {
  if (request.resource.group !== kumaGroup) return allow(request);
  const type = typeOfPlural(request.resource.resource);
  if (type === undefined) return allow(request);
  const trusted = options.trustedUsers.includes(request.userInfo?.username ?? '');
  if (!trusted) {
    const origin = descriptorFor(type).origin;
    if (options.mode === 'zone' && options.federated && origin === 'global') {
      return deny(request, {
        code: 403,
        reason: 'Forbidden',
        message: ownershipMessage(type, 'GLOBAL', 'ZONE'),
      });
    }
    if (options.mode === 'global' && origin === 'zone') {
      return deny(request, {
        code: 403,
        reason: 'Forbidden',
        message: ownershipMessage(type, 'ZONE', 'GLOBAL'),
      });
    }
  }
  if (request.operation === 'DELETE' || request.operation === 'CONNECT') return allow(request);
  const object = { ...request.object, apiVersion: kubernetesApiVersion, kind: type };
  try {
    decodeResource(object);
    return allow(request);
  } catch (err) {
    if (!isMeshError(err)) throw err;
    const causes = err.causes.map((cause) => ({
      type: 'FieldValueInvalid',
      field: cause.field,
      message: cause.message,
    }));
    const listed = causes.map((cause) =>
      cause.field === '' ? cause.message : `${cause.field}: ${cause.message}`,
    );
    return deny(request, {
      code: 422,
      reason: 'Invalid',
      message: `${type} "${request.name ?? ''}" is invalid: ${listed.length > 0 ? listed.join('; ') : err.message}`,
      causes,
    });
  }
}
