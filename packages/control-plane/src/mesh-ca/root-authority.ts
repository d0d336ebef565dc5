/**
 * The mesh root CAs, where they live (global, or a standalone zone): made on first need, kept in
 * the store, used to sign zone intermediates. The root key never leaves this control plane.
 */
import { MeshError, type Resource } from '@zonemesh/api';
import { type CertifiedKey, createRootCa, shouldRotate, signIntermediate } from '@zonemesh/pki';
import type { ResourceStore } from '@zonemesh/store';
import type { Logger } from '@zonemesh/runtime';
import { caRecordName, readCaRecord, writeCaRecord } from './ca-records.js';
import { builtinBackendOf } from './mesh-ca.js';

/** A zone intermediate signed by the mesh root. */
export interface SignedIntermediate {
  readonly certPem: string;
  /** The mesh's trust roots (today: its one root). */
  readonly rootsPem: string;
}

/** The roots of every mesh held here. */
export interface RootAuthority {
  /** The mesh root for `backend`, made and stored on first call. Single-flight per mesh and backend. */
  root(mesh: string, backend: string): Promise<CertifiedKey>;
  /**
   * Signs a zone's intermediate CSR with the root of the mesh's enabled builtin backend. Throws
   * `InvalidInput` when the mesh has mTLS off, another backend, or the CSR is bad.
   */
  signZone(zone: string, mesh: Resource, backend: string, csrPem: string): Promise<SignedIntermediate>;
}

/** Makes the authority over `store`. */
export function createRootAuthority(options: {
  readonly store: ResourceStore;
  readonly log: Logger;
}): RootAuthority {
  const { store, log } = options;
  const pending = new Map<string, Promise<CertifiedKey>>();

  async function loadOrCreate(mesh: string, backend: string): Promise<CertifiedKey> {
    const name = caRecordName('root', mesh, backend);
    const stored = await readCaRecord(store, name);
    if (stored !== undefined && !shouldRotate(stored.certPem)) return stored;
    const root = await createRootCa({ mesh });
    await writeCaRecord(store, name, { v: 1, mesh, backend, certPem: root.certPem, keyPem: root.keyPem });
    log.info({ mesh, backend }, 'mesh root ca created');
    return root;
  }

  const root = (mesh: string, backend: string): Promise<CertifiedKey> => {
    const key = `${mesh}/${backend}`;
    let promise = pending.get(key);
    if (promise === undefined) {
      promise = loadOrCreate(mesh, backend).finally(() => pending.delete(key));
      pending.set(key, promise);
    }
    return promise;
  };

  return {
    root,
    async signZone(zone, mesh, backend, csrPem) {
      const enabled = builtinBackendOf(mesh);
      if (enabled === undefined) {
        throw new MeshError('InvalidInput', `mesh ${mesh.meta.name} has mTLS off`, {
          causes: [{ field: 'mesh', message: 'has no enabled mTLS backend' }],
        });
      }
      if (enabled.name !== backend) {
        throw new MeshError(
          'InvalidInput',
          `mesh ${mesh.meta.name} uses backend ${enabled.name}, not ${backend}`,
          {
            causes: [{ field: 'backend', message: `must be ${enabled.name}` }],
          },
        );
      }
      const meshRoot = await root(mesh.meta.name, backend);
      const signed = await signIntermediate(meshRoot, csrPem, { zone, mesh: mesh.meta.name });
      log.info(
        { zone, mesh: mesh.meta.name, backend, notAfter: signed.notAfter.toISOString() },
        'zone intermediate ca signed',
      );
      return { certPem: signed.certPem, rootsPem: meshRoot.certPem };
    },
  };
}
