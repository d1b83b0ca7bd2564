// Collects the scenarios' summary lines in one file and prints them together at the end of the run.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'

let dir: string | undefined

export function setup(project: TestProject) {
  dir = mkdtempSync(join(tmpdir(), 'uw-reliability-'))
  const file = join(dir, 'figures.txt')
  writeFileSync(file, '')
  project.provide('reliabilityFiguresFile', file)
}

export function teardown() {
  if (!dir) return
  const lines = readFileSync(join(dir, 'figures.txt'), 'utf8').trim()
  if (lines) console.log(`\n── reliability figures (RELIABILITY_SCALE=${process.env.RELIABILITY_SCALE ?? 1}) ──\n${lines}\n`)
  rmSync(dir, { recursive: true, force: true })
}
