/**
 * A zone's CA: per mesh (and builtin backend) an intermediate whose key this zone made; only its
 * CSR leaves, to global (or to the zone's own root when it has no global). Kept in the zone's
 * store so a restart with a persistent store keeps it; renewed once 80% of its life is gone.
 * Workload certificates are signed with it, their SANs computed from the registered Dataplane.
 */
import { MeshError, type Resource, isMeshError } from '@zonemesh/api';
import { createCsr, shouldRotate, signWorkload } from '@zonemesh/pki';
import type { ResourceStore } from '@zonemesh/store';
import type { Logger } from '@zonemesh/runtime';
import { type CaRecord, caRecordName, readCaRecord, writeCaRecord } from './ca-records.js';
import { builtinBackendOf, type MeshCa } from './mesh-ca.js';
import type { SignedIntermediate } from './root-authority.js';

/** Signs this zone's intermediate CSR: global over NATS, or the zone's own root. */
export type IntermediateSigner = (request: {
  readonly mesh: Resource;
  readonly backend: string;
  readonly csr: string;
}) => Promise<SignedIntermediate>;

/** Options of {@link createZoneAuthority}. */
export interface ZoneAuthorityOptions {
  readonly zone: string;
  readonly store: ResourceStore;
  readonly signer: IntermediateSigner;
  readonly log: Logger;
  /** Workload certificate lifetime (ms) when the Mesh's `dpCert.rotation.expiration` does not say. */
  readonly workloadLifetime: number;
  /** How long `issue` waits for the intermediate before answering `Unavailable`; default 5 s. */
  readonly issueWaitMs?: number;
}

/** Makes the zone's CA. */
export function createZoneAuthority(options: ZoneAuthorityOptions): MeshCa {
  const { zone, store, signer, log } = options;
  const current = new Map<string, CaRecord>();
  const pending = new Map<string, Promise<CaRecord>>();

  async function obtain(mesh: Resource, backend: string): Promise<CaRecord> {
    const name = caRecordName('intermediate', mesh.meta.name, backend);
    const stored = await readCaRecord(store, name);
    if (stored?.rootsPem !== undefined && !shouldRotate(stored.certPem)) return stored;
    const csr = await createCsr({ commonName: `${zone} intermediate CA` });
    const signed = await signer({ mesh, backend, csr: csr.csrPem });
    const record: CaRecord = {
      v: 1,
      mesh: mesh.meta.name,
      backend,
      certPem: signed.certPem,
      keyPem: csr.keyPem,
      rootsPem: signed.rootsPem,
    };
    await writeCaRecord(store, name, record);
    log.info({ mesh: mesh.meta.name, backend }, 'zone intermediate ca ready');
    return record;
  }

  /** The current intermediate of a mesh; single-flight per mesh and backend. */
  function intermediate(mesh: Resource, backend: string): Promise<CaRecord> {
    const key = `${mesh.meta.name}/${backend}`;
    const known = current.get(key);
    if (known !== undefined && !shouldRotate(known.certPem)) return Promise.resolve(known);
    let promise = pending.get(key);
    if (promise === undefined) {
      promise = obtain(mesh, backend)
        .then((record) => {
          current.set(key, record);
          return record;
        })
        .finally(() => pending.delete(key));
      pending.set(key, promise);
    }
    return promise;
  }

  return {
    async roots(mesh, signal) {
      const backend = builtinBackendOf(mesh);
      if (backend === undefined) return undefined;
      let delay = 250;
      for (;;) {
        try {
          return (await intermediate(mesh, backend.name)).rootsPem;
        } catch (err) {
          if (isMeshError(err, 'InvalidInput') || isAborted(signal)) throw err;
          log.warn(
            { mesh: mesh.meta.name, err: (err as Error).message, retryMs: delay },
            'zone intermediate ca not ready, retrying',
          );
          await sleep(delay, signal);
          if (isAborted(signal)) throw err;
          delay = Math.min(delay * 2, 10_000);
        }
      }
    },
    async issue(request) {
      const mesh = request.mesh;
      const backend = builtinBackendOf(mesh);
      if (backend === undefined) {
        throw new MeshError(
          'InvalidInput',
          `mesh ${mesh.meta.name} has mTLS off: no certificates are issued`,
          {
            causes: [{ field: 'mesh', message: 'has no enabled mTLS backend' }],
          },
        );
      }
      const record = await withDeadline(
        intermediate(mesh, backend.name),
        options.issueWaitMs ?? 5_000,
        mesh.meta.name,
      );
      const signed = await signWorkload({ certPem: record.certPem, keyPem: record.keyPem }, request.csrPem, {
        mesh: mesh.meta.name,
        inboundTags: request.inboundTags,
        lifetime: backend.workloadLifetime ?? options.workloadLifetime,
      });
      const rootsPem = record.rootsPem ?? '';
      return {
        certPem: signed.certPem,
        caChainPem: `${record.certPem.trimEnd()}\n${rootsPem.trimEnd()}\n`,
        rootsPem,
        notAfter: signed.notAfter.toISOString(),
      };
    },
  };
}

async function withDeadline<T>(promise: Promise<T>, ms: number, mesh: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new MeshError(
            'Unavailable',
            `the certificate authority of mesh ${mesh} is not ready yet; retry shortly`,
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } catch (err) {
    if (isMeshError(err, 'InvalidInput') || isMeshError(err, 'Unavailable')) throw err;
    throw new MeshError(
      'Unavailable',
      `the certificate authority of mesh ${mesh} is not ready: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
