/**
 * Mesh: a tenant of the service mesh. Its `mtls` section picks the certificate authority; mTLS is
 * on exactly when `mtls.enabledBackend` is set, and only then are permissions enforced.
 */
import * as z from 'zod';
import { parseKumaDuration } from '../duration.js';
import { FieldPath } from '../field-path.js';
import { JsonObjectSchema, bool, duration, list, protoObject, str } from '../wire-types.js';
import { defineKind } from './kind-definition.js';

/** Certificate authority backends zonemesh implements. */
export const mtlsBackendTypes = ['builtin', 'provided'] as const;

/** A CA backend type. */
export type MtlsBackendType = (typeof mtlsBackendTypes)[number];

/**
 * One CA backend. `builtin`: the control plane generates the mesh root CA (`conf.caCert.RSAbits`,
 * `conf.caCert.expiration`). `provided`: the operator supplies it (`conf.cert`, `conf.key`).
 */
export const MtlsBackendSchema = protoObject({
  name: str().optional(),
  type: str().optional(),
  mode: z.enum(['STRICT', 'PERMISSIVE'], { error: 'must be one of: STRICT, PERMISSIVE' }).optional(),
  dpCert: protoObject({
    rotation: protoObject({ expiration: str().optional() }).optional(),
    requestTimeout: duration().optional(),
  }).optional(),
  conf: JsonObjectSchema.optional(),
});

/** The Mesh's `mtls`: its CA backends and the enabled one. */
export const MeshMtlsSchema = protoObject({
  enabledBackend: str().optional(),
  backends: list(MtlsBackendSchema).optional(),
  skipValidation: bool().optional(),
});

/**
 * The Mesh spec. `mtls` and `routing` are interpreted; `metrics`, `logging`, `tracing`,
 * `constraints`, `networking` and `meshServices` are kept as written for round trips.
 */
export const MeshSpecSchema = protoObject({
  mtls: MeshMtlsSchema.optional(),
  metrics: JsonObjectSchema.optional(),
  logging: JsonObjectSchema.optional(),
  tracing: JsonObjectSchema.optional(),
  routing: protoObject({
    localityAwareLoadBalancing: bool().optional(),
    zoneEgress: bool().optional(),
    defaultForbidMeshExternalServiceAccess: bool().optional(),
  }).optional(),
  constraints: JsonObjectSchema.optional(),
  networking: JsonObjectSchema.optional(),
  meshServices: JsonObjectSchema.optional(),
  skipCreatingInitialPolicies: list(str()).optional(),
});

/** A parsed CA backend. */
export type MtlsBackend = z.infer<typeof MtlsBackendSchema>;
/** The parsed Mesh spec. */
export type MeshSpec = z.infer<typeof MeshSpecSchema>;

/** Kuma OSS allows one CA backend per mesh. */
const allowedMtlsBackends = 1;

/** Whether the mesh has mTLS on (`mtls.enabledBackend` set), as Kuma's `MTLSEnabled`. */
export function isMtlsEnabled(spec: MeshSpec): boolean {
  return (spec.mtls?.enabledBackend ?? '') !== '';
}

/** Mesh's descriptor: global-scoped, written on global, copied to zones. */
export const meshKind = defineKind({
  type: 'Mesh',
  scope: 'global',
  origin: 'global',
  sync: 'global-to-zones',
  plural: 'meshes',
  cliNames: ['mesh'],
  universalLayout: 'inline',
  schema: MeshSpecSchema,
  check(spec, out) {
    const mtls = spec.mtls;
    const root = FieldPath.at('mtls');
    if (mtls !== undefined) {
      const backends = mtls.backends ?? [];
      if (backends.length > allowedMtlsBackends) {
        out.add(root.field('backends'), `cannot have more than ${allowedMtlsBackends} backends`);
      }
      const used = new Set<string>();
      backends.forEach((backend, i) => {
        const name = backend.name ?? '';
        const at = root.field('backends').index(i);
        if (used.has(name))
          out.add(at.field('name'), `${JSON.stringify(name)} name is already used for another backend`);
        used.add(name);
        if (!(mtlsBackendTypes as readonly string[]).includes(backend.type ?? '')) {
          out.add(at.field('type'), `unknown backend type. Available backends: "builtin", "provided"`);
        }
        if (
          backend.dpCert !== undefined &&
          parseKumaDuration(backend.dpCert.rotation?.expiration ?? '') === undefined
        ) {
          out.add(root.field('dpcert.rotation.expiration'), 'has to be a valid format');
        }
      });
      const enabled = mtls.enabledBackend ?? '';
      if (enabled !== '' && !used.has(enabled)) {
        out.add(root.field('enabledBackend'), 'has to be set to one of the backends in the mesh');
      }
    }
    if (spec.routing?.zoneEgress === true && !isMtlsEnabled(spec)) {
      out.add(FieldPath.at('mtls'), 'has to be set when zoneEgress enabled');
    }
  },
});
