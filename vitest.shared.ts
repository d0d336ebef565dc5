/**
 * Vitest settings every package shares: generous deadlines for a loaded 2-core machine, and a JSON
 * report per package that `scripts/test-summary.mjs` adds up into one closing line.
 */
import { defineConfig, type ViteUserConfig } from 'vitest/config';

export function zonemeshVitestConfig(overrides: NonNullable<ViteUserConfig['test']> = {}): ViteUserConfig {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      passWithNoTests: false,
      // Many tests start real servers and processes on a loaded 2-core machine: in CI a failed
      // test runs once more (vitest reports it as flaky); a real failure fails twice.
      retry: process.env.CI ? 1 : 0,
      reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
      ...overrides,
    },
  });
}
