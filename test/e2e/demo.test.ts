// `pnpm demo` is the README's first command: it must keep working, and keep telling the truth.
import { spawnSync } from 'node:child_process'
import { expect, it } from 'vitest'
import { cleanEnv, repoRoot } from './harness.js'

it('pnpm demo answers every delivery as documented and exits 0', () => {
  const result = spawnSync('pnpm', ['demo'], { cwd: repoRoot, env: cleanEnv(), encoding: 'utf8', timeout: 60_000 })
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  const rows = result.stdout.split('\n').filter((line) => /^\d {2}/.test(line))
  expect(rows.map((row) => row.match(/\b(\d{3} \w+)\b/)?.[1])).toEqual([
    '200 processed',
    '200 duplicate',
    '401 body_hash_mismatch',
    '200 ignored',
    '500 handler_failed',
    '200 processed',
    '200 processed',
  ])
  expect(result.stdout).toContain('every answer as documented')
  expect(result.stdout).toContain('GET /uploads now lists 2 uploads (photo.jpg, report.pdf) and 1 dead-lettered delivery')
})
