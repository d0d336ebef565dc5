/**
 * The mesh certificate authority as the rest of the control plane sees it. Global holds each
 * mesh's root CA; a zone holds an intermediate CA per mesh whose key it made itself (only its CSR
 * travels to global) and signs its proxies' CSRs with it. A zone without global (no NATS) holds
 * the root itself. Only the `builtin` backend is implemented.
 */
import {
  type CertificateResponse,
  MeshError,
  MeshSpecSchema,
  type Resource,
  parseKumaDuration,
} from '@zonemesh/api';

/** What the dataplane server asks of the CA. */
export interface MeshCa {
  /**
   * The trust roots (PEM) the mesh's proxies must trust, once this control plane can issue
   * certificates for it; undefined when the mesh has mTLS off. Waits while the zone's
   * intermediate is being obtained from global (retrying until `signal` aborts). Throws
   * `InvalidInput` for a backend zonemesh does not implement.
   */
  roots(mesh: Resource, signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Signs a proxy's CSR for `mesh` with SANs computed from `inboundTags` (never from the CSR).
   * Throws `InvalidInput` (bad CSR or tags, mTLS off) or `Unavailable` when the CA is not ready
   * within a few seconds (retryable).
   */
  issue(request: WorkloadRequest): Promise<CertificateResponse>;
}

/** A proxy's certificate request, as the dataplane server hands it over. */
export interface WorkloadRequest {
  readonly mesh: Resource;
  readonly csrPem: string;
  /** The tags of every inbound of the registered Dataplane. */
  readonly inboundTags: readonly Readonly<Record<string, string>>[];
}

/** The enabled builtin backend of a mesh and its certificate lifetimes. */
export interface BuiltinBackend {
  /** The backend's name: a new name means a new root. */
  readonly name: string;
  /** `dpCert.rotation.expiration` in milliseconds, when the Mesh sets it. */
  readonly workloadLifetime: number | undefined;
}

/**
 * The mesh's enabled builtin backend; undefined when mTLS is off. Throws `InvalidInput` naming
 * `mtls.enabledBackend` for a `provided` backend, which zonemesh does not implement.
 */
export function builtinBackendOf(mesh: Resource): BuiltinBackend | undefined {
  const parsed = MeshSpecSchema.safeParse(mesh.spec);
  if (!parsed.success) return undefined;
  const enabled = parsed.data.mtls?.enabledBackend ?? '';
  if (enabled === '') return undefined;
  const backend = (parsed.data.mtls?.backends ?? []).find((candidate) => candidate.name === enabled);
  if (backend?.type !== 'builtin') {
    throw new MeshError(
      'InvalidInput',
      `mesh ${mesh.meta.name} uses a CA backend zonemesh does not implement`,
      {
        causes: [{ field: 'mtls.enabledBackend', message: 'only builtin backends are supported' }],
      },
    );
  }
  const expiration = backend.dpCert?.rotation?.expiration;
  const nanos = expiration === undefined ? undefined : parseKumaDuration(expiration);
  return {
    name: enabled,
    workloadLifetime: nanos === undefined || nanos <= 0 ? undefined : Math.round(nanos / 1e6),
  };
}
