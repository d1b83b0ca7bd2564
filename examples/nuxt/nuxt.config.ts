import { buildWorkspacePackages } from './workspace-packages'

// In this repository: build the workspace packages first if they are not (see workspace-packages.ts).
buildWorkspacePackages()

// Builds offline: no web fonts, no telemetry, no devtools.
export default defineNuxtConfig({
  compatibilityDate: '2025-07-15',
  devtools: { enabled: false },
  telemetry: false,
  postcss: {
    // cssnano 8 (what Nuxt 4.4.8 pulls in) needs Node 22 (Set.prototype.difference); this app has
    // almost no CSS to minify, so it is off rather than failing the build on Node 20.
    plugins: { cssnano: false },
  },
  typescript: {
    // `nuxi typecheck` needs vue-tsc, which needs TypeScript's JS API: TypeScript 7 has none.
    typeCheck: false,
  },
})
