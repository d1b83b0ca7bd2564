// One delivery must stay followable: a reader tracing a QStash delivery on memoryStore() from the
// router to the answer opens at most 12 core files (docs/architecture.md, "Request path"). The
// trace runs the built package in its own Node process, so vitest's transforms count nothing.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const MAX_FILES = 12
const script = fileURLToPath(new URL('./support/trace-delivery.mjs', import.meta.url))
const dist = fileURLToPath(new URL('../dist', import.meta.url))

it(`one QStash delivery on memoryStore() runs through at most ${MAX_FILES} core files`, () => {
  const { statuses, files } = JSON.parse(execFileSync(process.execPath, [script, dist], { encoding: 'utf8' })) as {
    statuses: number[]
    files: string[]
  }
  expect(statuses).toEqual([200, 200])
  // The trace sees the steps a delivery takes, or it would pass by counting nothing.
  expect(files).toEqual(expect.arrayContaining(['router.js', 'steps/authenticate.js', 'senders/qstash.js', 'stores/memory.js']))
  expect(files.length, `files run: ${files.join(', ')}`).toBeLessThanOrEqual(MAX_FILES)
})
