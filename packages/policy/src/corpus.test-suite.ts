/**
 * Reads the Kuma corpus (`../shared/conformance/kuma/` beside the repository) for tests: each
 * document is decoded and validated by `@zonemesh/api` and becomes an engine resource. Documents without a `creationTime` are taken
 * as created in file order, one second apart, as `zmctl inspect traffic -f` does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeDocuments, isResourceType } from '@zonemesh/api';
import type { EngineResource, PolicyEngine, PolicyEngineOptions } from './engine.js';

/** The corpus directory: `<repo root>/../shared/conformance/kuma`. */
export const corpusDir = fileURLToPath(new URL('../../../../shared/conformance/kuma/', import.meta.url));

/** Whether the corpus is there (it lives outside the repository). */
export const corpusPresent = existsSync(corpusDir);

const fileOrderBase = Date.parse('2024-01-01T00:00:00Z');

/**
 * Loads one corpus file through `@zonemesh/api`'s decoder. Documents of kinds zonemesh does not
 * support (ExternalService, MeshTimeout) are left out; any other invalid document fails the test.
 * `fileOrderTimes: false` leaves missing creation times unset (all equal).
 */
export function loadCorpusFile(file: string, options: { fileOrderTimes?: boolean } = {}): EngineResource[] {
  const resources: EngineResource[] = [];
  for (const document of decodeDocuments(readFileSync(`${corpusDir}${file}`, 'utf8'))) {
    if (document.type !== undefined && !isResourceType(document.type)) continue;
    if (document.resource === undefined) {
      throw new Error(`${file}#${document.index} is invalid: ${JSON.stringify(document.errors)}`);
    }
    const { resource } = document;
    const creationTime =
      resource.meta.creationTime ??
      (options.fileOrderTimes === false
        ? undefined
        : new Date(fileOrderBase + document.index * 1000).toISOString());
    resources.push({
      type: resource.type,
      meta: { ...resource.meta, ...(creationTime === undefined ? {} : { creationTime }) },
      spec: resource.spec,
    });
  }
  return resources;
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
  for (const resource of loadCorpusFile(file, options)) {
    if (resource.type === 'Mesh' && options.ignoreMesh === true) continue;
    const inMesh = resource.type === 'Mesh' ? resource.meta.name === mesh : resource.meta.mesh === mesh;
    if (inMesh) engine.upsert(resource);
  }
  return engine;
}
