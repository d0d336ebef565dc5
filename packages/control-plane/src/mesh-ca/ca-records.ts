/**
 * Where CA material is kept: store checkpoints (named values beside the resources), never
 * resources, so sync never ships them. A root (with its key) lives only in global's store, or in
 * a standalone zone's; an intermediate (with its key) only in its zone's store.
 */
import type { ResourceStore } from '@zonemesh/store';
import * as z from 'zod';

/** A CA certificate with its key, for one mesh and backend. */
const CaRecordSchema = z.object({
  v: z.literal(1),
  mesh: z.string(),
  backend: z.string(),
  certPem: z.string(),
  keyPem: z.string(),
  /** Intermediates: the mesh's trust roots as global sent them. */
  rootsPem: z.string().optional(),
});

/** See {@link CaRecordSchema}. */
export type CaRecord = z.infer<typeof CaRecordSchema>;

/** The checkpoint name of a root or intermediate. */
export function caRecordName(kind: 'root' | 'intermediate', mesh: string, backend: string): string {
  return `zonemesh.io/mesh-ca/${kind}/${mesh}/${backend}`;
}

/** Reads a record; undefined when absent or unreadable (it is then made again). */
export async function readCaRecord(store: ResourceStore, name: string): Promise<CaRecord | undefined> {
  const text = await store.getCheckpoint(name);
  if (text === undefined) return undefined;
  try {
    const parsed = CaRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a record (last writer wins). */
export async function writeCaRecord(store: ResourceStore, name: string, record: CaRecord): Promise<void> {
  await store.setCheckpoint({ name, value: JSON.stringify(record) });
}
