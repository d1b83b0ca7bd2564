import { defineProject } from 'vitest/config'
import { sharedResolve } from '../../vitest.shared.js'

export default defineProject({
  ...sharedResolve,
  test: {
    name: 'h3',
    include: ['test/**/*.test.ts'],
  },
})
