import { exampleSuite } from './suite.js'

exampleSuite('nuxt', {
  build: ['pnpm', 'run', 'build'],
  start: ['node', '.output/server/index.mjs'],
  typecheck: ['pnpm', 'run', 'typecheck'],
  homePageListsUploads: true,
})
