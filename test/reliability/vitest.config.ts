import { defineProject } from 'vitest/config'
import { sharedResolve } from '../../vitest.shared.js'

// Heavy: spawns server processes and floods them. Runs after every other project
// (groupOrder 1) and one file at a time, so it neither starves nor is starved on 2 cores.
export default defineProject({
  ...sharedResolve,
  test: {
    name: 'reliability',
    include: ['**/*.test.ts'],
    globalSetup: ['../support/redis-global-setup.ts', './support/figures-global-setup.ts'],
    fileParallelism: false,
    sequence: { groupOrder: 1 },
    // Bigger runs (RELIABILITY_SCALE) get proportionally longer.
    testTimeout: 180_000 * Math.max(1, Number(process.env.RELIABILITY_SCALE ?? 1) || 1),
    hookTimeout: 60_000,
  },
})
