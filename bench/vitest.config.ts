import { defineConfig } from 'vitest/config'

/**
 * The bench's own unit tests (pure helpers of bench/lib), outside the four projects of the root
 * vitest.config.ts: `npx vitest run --config bench/vitest.config.ts`.
 */
export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
})
