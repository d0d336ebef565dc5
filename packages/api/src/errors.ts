/**
 * The one error type zonemesh code throws across package boundaries. Each edge (HTTP handler,
 * sync stream, CLI) turns anything thrown into a `MeshError` with {@link toMeshError}.
 */

/** A validation problem on one field, with Kuma's field path (`sources[0].match`). */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * Closed set of error codes. Each says whether a caller may retry the same call unchanged.
 */
export type MeshErrorCode =
  /** The input is malformed or fails validation; `causes` lists the fields. Not retryable. */
  | 'InvalidInput'
  /** The resource kind is not one zonemesh supports. Not retryable. */
  | 'UnsupportedKind'
  /** The input is larger than zonemesh accepts (a document over 512 KiB). Not retryable. */
  | 'TooLarge'
  /** The resource does not exist. Not retryable. */
  | 'NotFound'
  /** A resource with that key already exists. Not retryable. */
  | 'AlreadyExists'
  /** An optimistic-version check failed: someone else wrote first. Retryable after a re-read. */
  | 'Conflict'
  /** This control plane mode does not accept writes of that kind (HTTP 405). Not retryable here. */
  | 'MethodNotAllowed'
  /** The caller is not authenticated. Not retryable without credentials. */
  | 'Unauthenticated'
  /** The caller may not do this. Not retryable. */
  | 'Forbidden'
  /** A watch asked for history the store no longer keeps; relist and watch again. Not retryable as is. */
  | 'HistoryGone'
  /** A backend (Redis, NATS, Kubernetes API) is unreachable or timed out. Retryable. */
  | 'Unavailable'
  /** A peer speaks an incompatible wire format version. Not retryable until upgraded. */
  | 'Incompatible'
  /** A bug or an unexpected failure. Not retryable. */
  | 'Internal';

/** HTTP status per code; a missing code fails to compile. */
export const httpStatusByCode: { readonly [C in MeshErrorCode]: number } = {
  InvalidInput: 400,
  UnsupportedKind: 400,
  TooLarge: 413,
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  MethodNotAllowed: 405,
  Unauthenticated: 401,
  Forbidden: 403,
  HistoryGone: 410,
  Unavailable: 503,
  Incompatible: 400,
  Internal: 500,
};

const retryable: ReadonlySet<MeshErrorCode> = new Set(['Conflict', 'Unavailable']);

export interface MeshErrorOptions {
  readonly causes?: readonly FieldError[];
  readonly cause?: unknown;
}

/** A zonemesh failure with a closed code, field causes for validation errors, and a `cause` chain. */
export class MeshError extends Error {
  override readonly name = 'MeshError';
  readonly code: MeshErrorCode;
  readonly causes: readonly FieldError[];

  constructor(code: MeshErrorCode, message: string, options: MeshErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.causes = options.causes ?? [];
  }

  /** Whether the same call may succeed if tried again unchanged (or after a re-read, for Conflict). */
  get retryable(): boolean {
    return retryable.has(this.code);
  }

  get httpStatus(): number {
    return httpStatusByCode[this.code];
  }
}

/** True when `err` is a MeshError, optionally with the given code. */
export function isMeshError(err: unknown, code?: MeshErrorCode): err is MeshError {
  return err instanceof MeshError && (code === undefined || err.code === code);
}

/** Turns anything thrown into a MeshError; unknown errors become `Internal` with the original as cause. */
export function toMeshError(err: unknown): MeshError {
  if (err instanceof MeshError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MeshError('Internal', message, { cause: err });
}
