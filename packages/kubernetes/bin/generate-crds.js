#!/usr/bin/env node
// Writes deploy/crds/ and the Helm chart's crds/ from the built package
// (run through `pnpm --filter @zonemesh/kubernetes generate-crds`).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crdFiles } from '../dist/crd-files.js';

const files = crdFiles();
for (const relative of ['../../../deploy/crds/', '../../../deploy/helm/zonemesh/crds/']) {
  const folder = fileURLToPath(new URL(relative, import.meta.url));
  mkdirSync(folder, { recursive: true });
  for (const stale of readdirSync(folder)) {
    if (stale.endsWith('.yaml') && !files.some((file) => file.name === stale)) rmSync(`${folder}${stale}`);
  }
  for (const file of files) writeFileSync(`${folder}${file.name}`, file.text);
}
process.stdout.write(`wrote ${files.length} CRDs to deploy/crds/ and deploy/helm/zonemesh/crds/\n`);
