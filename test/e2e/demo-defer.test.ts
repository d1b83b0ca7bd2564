// `pnpm demo:defer` as a user runs it: it must keep working, and keep telling the truth.
import { spawnSync } from 'node:child_process'
import { expect, it } from 'vitest'
import { cleanEnv, repoRoot } from './harness.js'

it('pnpm demo:defer answers 202 at once, survives a killed worker with one effect, refuses a duplicate, and exits 0', () => {
  const result = spawnSync('pnpm', ['demo:defer'], { cwd: repoRoot, env: cleanEnv(), encoding: 'utf8', timeout: 60_000 })
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  const rows = result.stdout.split('\n').filter((line) => /^\d {2}/.test(line))
  expect(rows).toHaveLength(4)
  expect(rows[0]).toMatch(/202 accepted in \d+ ms +✓ answered before the handler ran$/)
  expect(rows[1]).toMatch(/worker 1 killed \(SIGKILL\) mid-handler .* ✓ effect ran 0×$/)
  expect(rows[2]).toMatch(/✓ handler started 2×, effect ran 1×$/)
  expect(rows[3]).toMatch(/200 duplicate; jobs BullMQ was asked to add: 1 +✓ not enqueued again, effect ran 1×$/)
  expect(result.stdout).toMatch(/202 accepted +answered in [\d.]+ ms\n +202 processed +done: the worker ran the handler/)
  expect(result.stdout).toContain('every step as documented')
})
