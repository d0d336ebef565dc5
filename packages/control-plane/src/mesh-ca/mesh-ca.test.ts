import { isMeshError, type NewResource, type Resource } from '@zonemesh/api';
import { createCsr, identityOf, verifyChain } from '@zonemesh/pki';
import { createMemoryStore, type ResourceStore } from '@zonemesh/store';
import { type NatsServer, startNats } from '@zonemesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlaneConfigSchema } from '../config.js';
import { createControlPlaneRuntime, type ControlPlaneRuntime } from '../control-plane-runtime.js';
import { caRecordName, readCaRecord } from './ca-records.js';
import type { MeshCa } from './mesh-ca.js';
import { setupMeshCa } from './setup-mesh-ca.js';

const mesh: NewResource = {
  type: 'Mesh',
  meta: { name: 'default' },
  spec: {
    mtls: {
      enabledBackend: 'ca-1',
      backends: [{ name: 'ca-1', type: 'builtin', dpCert: { rotation: { expiration: '1h' } } }],
    },
  },
};

const inboundTags = [{ 'kuma.io/service': 'web', 'kuma.io/zone': 'zone-1', version: 'v2' }];

function runtimeFor(raw: Record<string, string>): ControlPlaneRuntime {
  return createControlPlaneRuntime(ControlPlaneConfigSchema.parse({ logLevel: 'error', ...raw }));
}

async function eventually<T>(read: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('mesh CA of a federated zone (global and zone over a real nats-server)', () => {
  let nats: NatsServer;
  let global: ControlPlaneRuntime;
  let zone: ControlPlaneRuntime;
  let globalStore: ResourceStore;
  let zoneStore: ResourceStore;
  let zoneCa: MeshCa;
  let zoneMesh: Resource;

  beforeAll(async () => {
    nats = await startNats();
    global = runtimeFor({ mode: 'global', natsUrl: nats.url });
    globalStore = createMemoryStore();
    await globalStore.create(mesh);
    if (setupMeshCa(global, globalStore) !== undefined) throw new Error('global has no zone CA');
    await global.lifecycle.start();

    zone = runtimeFor({ mode: 'zone', zone: 'zone-1', natsUrl: nats.url });
    zoneStore = createMemoryStore();
    // Sync would have copied the Mesh; the CA only needs it in the zone's store.
    zoneMesh = await zoneStore.create({
      ...mesh,
      meta: { name: 'default', labels: { 'kuma.io/origin': 'global' } },
    });
    const ca = setupMeshCa(zone, zoneStore, { workloadLifetimeMs: 24 * 3600_000 });
    if (ca === undefined) throw new Error('a zone has a CA');
    zoneCa = ca;
    await zone.lifecycle.start();
  });

  afterAll(async () => {
    await zone?.lifecycle.stop();
    await global?.lifecycle.stop();
    await nats?.stop();
  });

  it('gives global a root as soon as a Mesh enables a builtin backend, kept in its store', async () => {
    const root = await eventually(() => readCaRecord(globalStore, caRecordName('root', 'default', 'ca-1')));
    expect(root.certPem).toContain('BEGIN CERTIFICATE');
    expect(root.keyPem).toContain('PRIVATE KEY');
  });

  it('signs the zone intermediate from a CSR: the zone has its key, global only the root', async () => {
    const root = await eventually(() => readCaRecord(globalStore, caRecordName('root', 'default', 'ca-1')));
    expect(await zoneCa.roots(zoneMesh)).toBe(root.certPem);
    const intermediate = await readCaRecord(zoneStore, caRecordName('intermediate', 'default', 'ca-1'));
    expect(intermediate?.keyPem).toContain('PRIVATE KEY');
    expect(() => verifyChain(intermediate?.certPem ?? '', root.certPem)).not.toThrow();
    // No private key crossed: global never held the intermediate, the zone never held the root.
    expect(await readCaRecord(globalStore, caRecordName('intermediate', 'default', 'ca-1'))).toBeUndefined();
    expect(await readCaRecord(zoneStore, caRecordName('root', 'default', 'ca-1'))).toBeUndefined();
  });

  it("issues workload certificates chaining to global's root, with the Mesh's lifetime", async () => {
    const root = await eventually(() => readCaRecord(globalStore, caRecordName('root', 'default', 'ca-1')));
    const csr = await createCsr();
    const issued = await zoneCa.issue({ mesh: zoneMesh, csrPem: csr.csrPem, inboundTags });
    expect(issued.rootsPem).toBe(root.certPem);
    expect(() => verifyChain(`${issued.certPem}\n${issued.caChainPem}`, root.certPem)).not.toThrow();
    expect(identityOf(issued.certPem)).toEqual({
      mesh: 'default',
      services: ['web'],
      tags: { 'kuma.io/service': ['web'], 'kuma.io/zone': ['zone-1'], version: ['v2'] },
    });
    const lifetime = Date.parse(issued.notAfter) - Date.now();
    expect(lifetime).toBeGreaterThan(55 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(60 * 60_000);
  });

  it('answers Unavailable, quickly, for a mesh global does not know', async () => {
    const stray = await zoneStore.create({ ...mesh, meta: { name: 'stray' } });
    const csr = await createCsr();
    const started = Date.now();
    const error = await zoneCa
      .issue({ mesh: stray, csrPem: csr.csrPem, inboundTags })
      .catch((err: unknown) => err);
    expect(isMeshError(error, 'Unavailable')).toBe(true);
    expect((error as Error).message).toMatch(/stray/);
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});

describe('mesh CA of a standalone zone', () => {
  it('holds the root itself and refuses meshes with mTLS off', async () => {
    const runtime = runtimeFor({ mode: 'zone' });
    const store = createMemoryStore();
    const stored = await store.create(mesh);
    const ca = setupMeshCa(runtime, store);
    const roots = await ca?.roots(stored);
    const root = await readCaRecord(store, caRecordName('root', 'default', 'ca-1'));
    expect(roots).toBe(root?.certPem);
    const plain = await store.create({ type: 'Mesh', meta: { name: 'plain' }, spec: {} });
    expect(await ca?.roots(plain)).toBeUndefined();
    const csr = await createCsr();
    const refused = await ca
      ?.issue({ mesh: plain, csrPem: csr.csrPem, inboundTags })
      .catch((err: unknown) => err);
    expect(isMeshError(refused, 'InvalidInput')).toBe(true);
  });
});
