import { defineConfig } from 'vitest/config'

/** Conditions of an edge runtime (no `node`): core's `#crypto` resolves to its Web Crypto implementation. */
const edgeConditions = ['@upload-webhooks/source', 'worker', 'workerd', 'edge-light', 'import', 'default']

export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'infra',
      'test',
      'test/reliability',
      {
        // Vitest merges its own `node` condition into every environment; set ours last instead.
        plugins: [
          {
            name: 'edge-runtime-conditions',
            enforce: 'post',
            configEnvironment(_name, config) {
              config.resolve = { ...config.resolve, conditions: edgeConditions }
            },
          },
        ],
        test: {
          name: 'core-web-crypto',
          root: './packages/core',
          env: { EXPECTED_CRYPTO: 'web' },
          // The verifier and router tests, named `*.crypto.test.ts`: the `core` project runs them on node:crypto too.
          include: ['test/**/*.crypto.test.ts'],
        },
      },
    ],
  },
})
