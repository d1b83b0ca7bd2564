import { defineProject } from 'vitest/config'
import { sharedResolve } from '../../vitest.shared.js'

export default defineProject({
  ...sharedResolve,
  test: {
    name: 'core',
    env: { EXPECTED_CRYPTO: 'node' },
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['../../test/support/redis-global-setup.ts', '../../test/support/redis-cluster-global-setup.ts'],
  },
})
