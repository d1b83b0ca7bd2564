import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'infra',
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // miniflare starts a workerd process per test file; give it room on a loaded 2-core box.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
