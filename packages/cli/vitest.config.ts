import { defineProject } from 'vitest/config'
import { sharedResolve } from '../../vitest.shared.js'

export default defineProject({
  ...sharedResolve,
  test: {
    name: 'cli',
    include: ['test/**/*.test.ts'],
    // The CLI runs as a child process from dist/: build it once before the tests. `dlq --bullmq` needs a real Redis.
    globalSetup: ['./test/support/build-cli.ts', '../../test/support/redis-global-setup.ts'],
  },
})
