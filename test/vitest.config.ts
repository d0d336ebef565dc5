import { zonemeshVitestConfig } from '../vitest.shared.ts';

// Multi-process tests: one file at a time, each starts its own servers and control planes.
export default zonemeshVitestConfig({
  include: ['**/*.test.ts'],
  exclude: ['node_modules/**'],
  testTimeout: 120_000,
  hookTimeout: 120_000,
  fileParallelism: false,
  passWithNoTests: true,
});
