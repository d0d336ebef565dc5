#!/usr/bin/env node
/** Removes the vitest JSON reports of an earlier run, so the summary counts only this one. */
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const d of readdirSync(join(root, 'packages')))
  rmSync(join(root, 'packages', d, '.vitest-report.json'), { force: true });
rmSync(join(root, 'test', '.vitest-report.json'), { force: true });
