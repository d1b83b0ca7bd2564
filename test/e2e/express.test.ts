import { exampleSuite } from './suite.js'

exampleSuite('express', { build: ['pnpm', 'run', 'build'], start: ['node', 'dist/server.js'], typecheck: ['pnpm', 'run', 'typecheck'] })
