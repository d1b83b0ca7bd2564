import { defineProject } from 'vitest/config'
import { sharedResolve } from '../vitest.shared.js'

// Cross-package tests (adapter conformance and friends). End-to-end, reliability, benchmark and
// packaging folders have their own configs or scripts, so they are left out here.
export default defineProject({
  ...sharedResolve,
  test: {
    name: 'test',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'e2e/**', 'browser/**', 'reliability/**', 'bench/**', 'packaging/**'],
    globalSetup: ['./support/redis-global-setup.ts'],
  },
})
