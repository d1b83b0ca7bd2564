import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'
import { sharedResolve } from '../../vitest.shared.js'

// Builds each example the way a user would and drives the built server over HTTP. Slow (next and
// nuxt builds): one file at a time, and run on its own with `pnpm test:e2e`.
export default defineProject({
  ...sharedResolve,
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: 'e2e',
    include: ['**/*.test.ts'],
    fileParallelism: false,
    globalSetup: ['../support/redis-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 240_000,
  },
})
