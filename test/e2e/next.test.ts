import { exampleSuite } from './suite.js'

exampleSuite('next', {
  build: ['pnpm', 'run', 'build'],
  start: ['pnpm', 'run', 'start'],
  productionStarts: [['pnpm', 'exec', 'next', 'start']],
  typecheck: ['pnpm', 'run', 'typecheck'],
  homePageListsUploads: true,
})
