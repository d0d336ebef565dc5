/**
 * `AdmissionReview` (admission.k8s.io/v1), the body the API server posts to webhooks. Requests
 * come from the network and are schema-validated; answers carry the request's uid.
 */
import * as z from 'zod';

const ObjectSchema = z.record(z.string(), z.unknown());

/** The request half of an AdmissionReview. */
export const AdmissionRequestSchema = z.object({
  uid: z.string().min(1),
  kind: z.object({ group: z.string(), version: z.string(), kind: z.string() }),
  resource: z.object({ group: z.string(), version: z.string(), resource: z.string() }),
  subResource: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  operation: z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
  userInfo: z.object({ username: z.string().optional(), groups: z.array(z.string()).optional() }).optional(),
  object: ObjectSchema.nullable().optional(),
  oldObject: ObjectSchema.nullable().optional(),
  dryRun: z.boolean().optional(),
});

/** A posted AdmissionReview. */
export const AdmissionReviewSchema = z.object({
  apiVersion: z.literal('admission.k8s.io/v1', { error: 'must be admission.k8s.io/v1' }),
  kind: z.literal('AdmissionReview', { error: 'must be AdmissionReview' }),
  request: AdmissionRequestSchema,
});

/** A parsed admission request. */
export type AdmissionRequest = z.infer<typeof AdmissionRequestSchema>;

/** One field problem in a denial (`metav1.StatusCause`). */
export interface StatusCause {
  readonly type: string;
  readonly field: string;
  readonly message: string;
}

/** The answer to one request. */
export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: {
    readonly status: 'Failure';
    readonly code: number;
    readonly reason: string;
    readonly message: string;
    readonly details?: {
      readonly name?: string;
      readonly kind?: string;
      readonly causes: readonly StatusCause[];
    };
  };
  readonly patchType?: 'JSONPatch';
  /** Base64 of the JSON Patch (RFC 6902) operations. */
  readonly patch?: string;
}

/** Allows the request unchanged. */
export function allow(request: AdmissionRequest): AdmissionResponse {
  return { uid: request.uid, allowed: true };
}

/** Allows the request with JSON Patch operations applied (none: unchanged). */
export function allowWithPatch(request: AdmissionRequest, operations: readonly unknown[]): AdmissionResponse {
  if (operations.length === 0) return allow(request);
  return {
    uid: request.uid,
    allowed: true,
    patchType: 'JSONPatch',
    patch: Buffer.from(JSON.stringify(operations)).toString('base64'),
  };
}

/** Denies the request. */
export function deny(
  request: AdmissionRequest,
  status: { code: number; reason: string; message: string; causes?: readonly StatusCause[] },
): AdmissionResponse {
  return {
    uid: request.uid,
    allowed: false,
    status: {
      status: 'Failure',
      code: status.code,
      reason: status.reason,
      message: status.message,
      ...(status.causes === undefined
        ? {}
        : {
            details: {
              ...(request.name === undefined ? {} : { name: request.name }),
              kind: request.kind.kind,
              causes: status.causes,
            },
          }),
    },
  };
}
