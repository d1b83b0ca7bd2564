/**
 * Workspace packages export their TypeScript sources under this condition, so tests
 * run against `src/` without a build while published consumers get `dist/`.
 */
export const sourceConditions = ['@upload-webhooks/source', 'module', 'node', 'development|production']

/** Spread into a project's `defineProject({...})` so imports resolve to sources. */
export const sharedResolve = {
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions } },
}
