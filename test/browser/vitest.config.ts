import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'
import { sharedResolve } from '../../vitest.shared.js'

// Each example's dev server as `pnpm dev` starts it, its home page in Debian's Chromium. Slow
// (Next and Nuxt compile on first request): one file at a time, run on its own with `pnpm test:browser`.
export default defineProject({
  ...sharedResolve,
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: 'browser',
    include: ['**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
})
