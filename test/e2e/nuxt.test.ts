import { exampleSuite } from './suite.js'

exampleSuite('nuxt', {
  build: ['pnpm', 'run', 'build'],
  start: ['pnpm', 'run', 'start'],
  // What `nuxt build` suggests, and Nuxt's own preview command.
  productionStarts: [
    ['node', '.output/server/index.mjs'],
    ['pnpm', 'exec', 'nuxt', 'preview'],
  ],
  typecheck: ['pnpm', 'run', 'typecheck'],
  homePageListsUploads: true,
})
