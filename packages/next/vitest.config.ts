import { defineProject } from 'vitest/config'
import { sharedResolve } from '../../vitest.shared.js'

export default defineProject({
  ...sharedResolve,
  test: {
    name: 'next',
    include: ['test/**/*.test.ts'],
  },
})
