/**
 * Health check settings as the proxy runs them: milliseconds and counts, validated once when the
 * control plane's configuration arrives. A zone CP derives them from HealthCheck or
 * MeshHealthCheck (see {@link fromKumaHealthCheck}).
 */
import * as z from 'zod';
import { parseGoDuration } from '@zonemesh/api';

const base64 = z.string().regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, {
  error: 'must be base64-encoded',
});
const millis = z.number().int().positive();

/** An active check: probe every `intervalMs`, flip after consecutive results pass a threshold. */
export const ActiveHealthCheckSchema = z
  .object({
    intervalMs: millis,
    timeoutMs: millis,
    /** Consecutive failures that mark a healthy endpoint unhealthy. */
    unhealthyThreshold: z.number().int().positive(),
    /** Consecutive successes that mark an unhealthy endpoint healthy again. */
    healthyThreshold: z.number().int().positive(),
    /** The first probe waits a random time up to this; spreads probes of many endpoints. */
    initialJitterMs: z.number().int().nonnegative().optional(),
    /** Each interval is lengthened by a random time up to this. */
    intervalJitterMs: z.number().int().nonnegative().optional(),
    /** TCP check: connect, send `send`, and expect every `receive` block in order. Base64. */
    tcp: z
      .object({ send: base64.optional(), receive: z.array(base64).optional() })
      .strict()
      .optional(),
    /** HTTP check: GET `path`; healthy on one of `expectedStatuses` (default 200). */
    http: z
      .object({
        path: z.string().startsWith('/', { error: 'must start with /' }),
        host: z.string().min(1).optional(),
        headers: z.record(z.string(), z.string()).optional(),
        expectedStatuses: z.array(z.number().int().min(100).max(599)).min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((c) => c.tcp === undefined || c.http === undefined, { error: 'tcp and http cannot both be set' });

/** See {@link ActiveHealthCheckSchema}. Neither `tcp` nor `http`: a bare TCP connect check. */
export type ActiveHealthCheck = z.infer<typeof ActiveHealthCheckSchema>;

/** Passive checking (outlier detection): failed connects eject an endpoint for a while. */
export const PassiveHealthCheckSchema = z
  .object({
    /** Consecutive connect failures that eject an endpoint; default 1 (a refused connect is conclusive). */
    consecutiveFailures: z.number().int().positive().optional(),
    /** First ejection length; the n-th consecutive one lasts n times this, up to `maxEjectionMs`. Default 10 s. */
    baseEjectionMs: millis.optional(),
    /** Default 300 s. */
    maxEjectionMs: millis.optional(),
  })
  .strict();

/** See {@link PassiveHealthCheckSchema}. */
export type PassiveHealthCheck = z.infer<typeof PassiveHealthCheckSchema>;

/** The fields of a Kuma HealthCheck `conf` or MeshHealthCheck `default` this conversion reads. */
export interface KumaHealthCheckConf {
  readonly interval?: string | undefined;
  readonly timeout?: string | undefined;
  readonly unhealthyThreshold?: number | undefined;
  readonly healthyThreshold?: number | undefined;
  readonly initialJitter?: string | undefined;
  readonly intervalJitter?: string | undefined;
  readonly tcp?:
    | { readonly send?: string | undefined; readonly receive?: readonly string[] | undefined }
    | undefined;
  readonly http?:
    | { readonly path?: string | undefined; readonly expectedStatuses?: readonly number[] | undefined }
    | undefined;
}

/**
 * Converts Kuma check settings for one destination into an {@link ActiveHealthCheck}, `type`
 * being the check the destination's protocol selects (policy's `selectHealthCheckType`). Missing
 * values take MeshHealthCheck's defaults: interval 1m, timeout 15s, unhealthy 5, healthy 1,
 * http path `/`. Pure; throws zod's error for values that are still invalid.
 */
export function fromKumaHealthCheck(conf: KumaHealthCheckConf, type: 'tcp' | 'http'): ActiveHealthCheck {
  const ms = (text: string | undefined, fallback: number) => {
    const nanos = text === undefined ? undefined : parseGoDuration(text);
    return nanos === undefined ? fallback : Math.max(1, Math.round(nanos / 1e6));
  };
  const check = {
    intervalMs: ms(conf.interval, 60_000),
    timeoutMs: ms(conf.timeout, 15_000),
    unhealthyThreshold: conf.unhealthyThreshold ?? 5,
    healthyThreshold: conf.healthyThreshold ?? 1,
    ...(conf.initialJitter === undefined ? {} : { initialJitterMs: ms(conf.initialJitter, 0) }),
    ...(conf.intervalJitter === undefined ? {} : { intervalJitterMs: ms(conf.intervalJitter, 0) }),
    ...(type === 'tcp'
      ? {
          tcp: {
            ...(conf.tcp?.send === undefined ? {} : { send: conf.tcp.send }),
            ...(conf.tcp?.receive === undefined ? {} : { receive: [...conf.tcp.receive] }),
          },
        }
      : {
          http: {
            path: conf.http?.path ?? '/',
            ...(conf.http?.expectedStatuses === undefined
              ? {}
              : { expectedStatuses: [...conf.http.expectedStatuses] }),
          },
        }),
  };
  return ActiveHealthCheckSchema.parse(check);
}
