// Vitest global setup: compiles the CLI (only this package; `pnpm build` builds core) so the child processes run current code.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export function setup() {
  const tsc = fileURLToPath(new URL('../../../../node_modules/.bin/tsc', import.meta.url))
  const project = fileURLToPath(new URL('../../tsconfig.json', import.meta.url))
  const result = spawnSync(tsc, ['-p', project], { encoding: 'utf8' })
  if (result.status !== 0)
    throw new Error(`building packages/cli failed (run pnpm build at the root first):\n${result.stdout}${result.stderr}`)
}
