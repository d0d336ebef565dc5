/**
 * Reads the Kuma corpus (`../shared/conformance/kuma/` beside the repository) for tests: each
 * Universal YAML document becomes an engine resource. Documents without a `creationTime` are taken
 * as created in file order, one second apart, as `zmctl inspect traffic -f` does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isResourceType } from '@zonemesh/api';
import { parseAllDocuments } from 'yaml';
import type { EngineResource, PolicyEngine, PolicyEngineOptions } from './engine.js';
import type { PolicyResourceInput } from './compiled-policy.js';

/** The corpus directory: `<repo root>/../shared/conformance/kuma`. */
export const corpusDir = fileURLToPath(new URL('../../../../shared/conformance/kuma/', import.meta.url));

/** Whether the corpus is there (it lives outside the repository). */
export const corpusPresent = existsSync(corpusDir);

/** A corpus document in engine form; `type` may be a kind the engine does not know. */
export interface CorpusDocument extends PolicyResourceInput {
  readonly meta: PolicyResourceInput['meta'] & { readonly mesh?: string };
}

const envelopeKeys = new Set(['type', 'name', 'mesh', 'labels', 'creationTime', 'modificationTime']);
const fileOrderBase = Date.parse('2024-01-01T00:00:00Z');

/** Loads one corpus file. `fileOrderTimes: false` leaves missing creation times unset (epoch). */
export function loadCorpusFile(file: string, options: { fileOrderTimes?: boolean } = {}): CorpusDocument[] {
  const text = readFileSync(`${corpusDir}${file}`, 'utf8');
  const documents: CorpusDocument[] = [];
  parseAllDocuments(text).forEach((document, index) => {
    const value: unknown = document.toJS();
    if (typeof value !== 'object' || value === null) return;
    const fields = value as Record<string, unknown>;
    const type = String(fields['type']);
    const nested = type.startsWith('Mesh') && type !== 'Mesh';
    const spec = nested
      ? fields['spec']
      : Object.fromEntries(Object.entries(fields).filter(([key]) => !envelopeKeys.has(key)));
    const given = typeof fields['creationTime'] === 'string' ? fields['creationTime'] : undefined;
    const creationTime =
      given ??
      (options.fileOrderTimes === false ? undefined : new Date(fileOrderBase + index * 1000).toISOString());
    const labels = fields['labels'] as Record<string, string> | undefined;
    const mesh = typeof fields['mesh'] === 'string' ? fields['mesh'] : undefined;
    documents.push({
      type,
      meta: {
        name: String(fields['name']),
        ...(mesh === undefined ? {} : { mesh }),
        ...(labels === undefined ? {} : { labels }),
        ...(creationTime === undefined ? {} : { creationTime }),
      },
      spec,
    });
  });
  return documents;
}

/** Makes an engine for one mesh and feeds it the file's resources of that mesh. */
export function engineForFile(
  create: (options: PolicyEngineOptions) => PolicyEngine,
  file: string,
  options: { mesh?: string; fileOrderTimes?: boolean; mtlsEnabled?: boolean; ignoreMesh?: boolean } = {},
): PolicyEngine {
  const mesh = options.mesh ?? 'default';
  const engine = create({
    mesh,
    ...(options.mtlsEnabled === undefined ? {} : { mtlsEnabled: options.mtlsEnabled }),
  });
  for (const document of loadCorpusFile(file, options)) {
    const resource = asEngineResource(document);
    if (resource === undefined || (resource.type === 'Mesh' && options.ignoreMesh === true)) continue;
    const inMesh = resource.type === 'Mesh' ? resource.meta.name === mesh : resource.meta.mesh === mesh;
    if (inMesh) engine.upsert(resource);
  }
  return engine;
}

/** The document as an engine resource, or `undefined` for kinds zonemesh does not support. */
export function asEngineResource(document: CorpusDocument): EngineResource | undefined {
  const { type } = document;
  if (!isResourceType(type)) return undefined;
  return { type, meta: document.meta, spec: document.spec };
}
