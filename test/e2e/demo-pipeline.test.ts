// `pnpm demo:pipeline` is the README's second command: it must keep working, and keep telling the truth.
import { spawnSync } from 'node:child_process'
import { expect, it } from 'vitest'
import { cleanEnv, repoRoot } from './harness.js'

it('pnpm demo:pipeline walks one upload through every hop to GET /uploads and exits 0', () => {
  const result = spawnSync('pnpm', ['demo:pipeline'], { cwd: repoRoot, env: cleanEnv(), encoding: 'utf8', timeout: 60_000 })
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  const hops = result.stdout.split('\n').filter((line) => /^\d /.test(line))
  expect(hops.map((line) => line.split(/\s+/).slice(1, 3).join(' '))).toEqual([
    'R2 event',
    'queue "upload-events"',
    'publish worker',
    'delivery QStash',
    'handler app',
  ])
  expect(hops[2]).toMatch(/POST \/v2\/publish\/uploads → 201$/)
  expect(hops[4]).toMatch(/app answered 200 \{"status":"processed","deliveryId":"msg_local_\w+"\}$/)
  expect(result.stdout).toContain('publish answered 202, deduplicated: true; deliveries: 1')
  expect(result.stdout).toContain('GET /uploads now lists 1 upload:')
  expect(result.stdout).toMatch(/hello\.txt {2}text\/plain {2}15 bytes {2}key users\/user_123\/hello\.txt/)
})
