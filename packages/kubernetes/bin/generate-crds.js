#!/usr/bin/env node
// Writes deploy/crds/ from the built package (run through `pnpm --filter @zonemesh/kubernetes generate-crds`).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crdFiles } from '../dist/crd-files.js';

const folder = fileURLToPath(new URL('../../../deploy/crds/', import.meta.url));
mkdirSync(folder, { recursive: true });
const files = crdFiles();
for (const stale of readdirSync(folder)) {
  if (stale.endsWith('.yaml') && !files.some((file) => file.name === stale)) rmSync(`${folder}${stale}`);
}
for (const file of files) writeFileSync(`${folder}${file.name}`, file.text);
process.stdout.write(`wrote ${files.length} CRDs to deploy/crds/\n`);
