import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

// The packages as npm would publish them: packed tarballs linted (publint, attw) and installed
// into a scratch app outside the repository. Needs `pnpm build` and the npm registry (the scratch
// app installs express); run on its own with `pnpm check:packages`.
export default defineProject({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: 'packaging',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'scratch-app/**'],
    globalSetup: ['./pack-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
