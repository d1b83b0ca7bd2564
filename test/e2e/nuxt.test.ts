import { exampleSuite } from './suite.js'

exampleSuite('nuxt', {
  build: ['pnpm', 'run', 'build'],
  start: ['pnpm', 'run', 'start'],
  typecheck: ['pnpm', 'run', 'typecheck'],
  homePageListsUploads: true,
})
