import { defineConfig } from 'vitest/config'

// End-to-end: real Chromium (playwright-core) against the real headless server built in out/.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
})
