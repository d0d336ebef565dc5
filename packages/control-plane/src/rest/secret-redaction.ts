/**
 * What a read must not show to everyone: a Mesh's `provided` CA backend may carry its private key
 * inline (`conf.key.inline` / `conf.key.inlineString`, Kuma's data sources). Admins (who may write
 * the Mesh back) see it as stored; everyone else sees `[redacted]` in its place. References (`secret`,
 * `file`) are names, not secrets, and stay. No other kind holds secrets: CA and token keys live in
 * store checkpoints, which the API never serves.
 */
import type { ResourceType } from '@zonemesh/api';

/** What replaces a secret value. */
export const redactedValue = '[redacted]';

const inlineSources = ['inline', 'inlineString'];

/** Returns the Universal form of a resource with its secrets replaced (a copy when anything changed). */
export function redactSecrets(
  type: ResourceType,
  universal: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  if (type !== 'Mesh') return { ...universal };
  const mtls = universal.mtls as { backends?: unknown } | undefined;
  if (!Array.isArray(mtls?.backends)) return { ...universal };
  const backends = mtls.backends.map((backend: unknown) => {
    const conf = (backend as { conf?: unknown } | null)?.conf as { key?: unknown } | undefined;
    if (typeof conf?.key !== 'object' || conf.key === null) return backend;
    const key = Object.fromEntries(
      Object.entries(conf.key).map(([field, value]) => [
        field,
        inlineSources.includes(field) ? redactedValue : value,
      ]),
    );
    return { ...(backend as object), conf: { ...conf, key } };
  });
  return { ...universal, mtls: { ...mtls, backends } };
}
