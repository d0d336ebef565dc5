/**
 * The files of `deploy/crds/`: one YAML file per kind (`kuma.io_<plural>.yaml`), generated from
 * the zod schemas. `bin/generate-crds.js` writes them; crd-files.test.ts fails when they are stale.
 */
import { kindDescriptors } from '@zonemesh/api';
import { stringify } from 'yaml';
import { customResourceDefinition, kubernetesPlural, kumaGroup } from './custom-resource-definitions.js';

/** One generated file: its name in `deploy/crds/` and its text. */
export interface CrdFile {
  readonly name: string;
  readonly text: string;
}

const header = [
  '# Generated from the zod schemas of @zonemesh/api: do not edit.',
  '# Regenerate with: pnpm --filter @zonemesh/kubernetes generate-crds',
].join('\n');

/** Every CRD file, in kind order. */
export function crdFiles(): CrdFile[] {
  return kindDescriptors.map((descriptor) => ({
    name: `${kumaGroup}_${kubernetesPlural(descriptor.type)}.yaml`,
    text: `${header}\n${stringify(customResourceDefinition(descriptor.type), { lineWidth: 0 })}`,
  }));
}
