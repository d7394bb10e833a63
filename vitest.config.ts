import { defineConfig } from 'vitest/config'

/**
 * Two projects:
 * - `unit`: pure core and adapter tests, no processes started.
 * - `integration`: one shared local stack (dynalite + workerd [+ hsm-bridge]) started once by
 *   `test/integration/global-setup.ts`, driven through the official SDKs.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['core/**/*.test.ts', 'functions/**/*.test.ts', 'test/unit/**/*.test.ts', 'hsm-bridge/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
