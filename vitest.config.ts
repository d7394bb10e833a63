import { defineConfig } from 'vitest/config'

/**
 * Four projects:
 * - `unit`: pure core and adapter tests, and the app's HTTP-level tests (test/app: `createApp`
 *   on in-memory deps through `app.request`), no processes started.
 * - `contract`: test/contract — the port contract suites, run on the in-memory fakes and on the
 *   DynamoDB repositories against a private in-process dynalite (no workerd).
 * - `hsm-bridge`: the bridge's tests; each file starts SoftHSM-backed bridges of its own.
 * - `integration`: one shared local stack (dynalite + workerd [+ hsm-bridge]) started once by
 *   `test/integration/global-setup.ts`, driven through the official SDKs.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['core/**/*.test.ts', 'functions/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/app/**/*.test.ts', 'bench/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'contract',
          include: ['test/contract/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'hsm-bridge',
          include: ['hsm-bridge/**/*.test.ts'],
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
