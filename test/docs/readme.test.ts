// The docs' tables are checked against the code they describe: the sender registry is the
// source of truth for the sender tables, REJECTION_REASONS for the answer tables.
import { readFileSync } from 'node:fs'
import { REJECTION_REASONS } from '@upload-webhooks/core'
import { senders } from '@upload-webhooks/core/testing'
import { describe, expect, it } from 'vitest'

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')
const section = (text: string, heading: string) => {
  const start = text.indexOf(heading)
  if (start < 0) throw new Error(`no "${heading}" section`)
  const next = text.indexOf('\n## ', start + heading.length)
  return text.slice(start, next < 0 ? undefined : next)
}
const tableRows = (text: string) => text.split('\n').filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line))

describe.each([
  ['README.md', '## Senders'],
  ['packages/core/README.md', '## Verifiers'],
])('%s sender table', (file, heading) => {
  const rows = tableRows(section(read(file), heading))
  it.each(senders.map((s) => [s.id, s] as const))('has a row for %s with its verifier and env variables', (_id, sender) => {
    const name = sender.factory.replace('()', '(')
    const row = rows.find((line) => line.includes(`\`${name}`))
    expect(row, `a row naming ${sender.factory}`).toBeDefined()
    for (const variable of sender.env) expect(row).toContain(variable)
  })
  it('has no row for a sender the registry does not list', () => {
    const factories = senders.map((s) => s.factory.replace('()', ''))
    const named = rows.slice(1).map((row) => /`(\w+)\(/.exec(row)?.[1])
    for (const factory of named) if (factory !== undefined) expect(factories.concat('timestampedHmac')).toContain(factory)
  })
})

describe.each([
  ['README.md', '## Answers'],
  ['docs/architecture.md', '## Answers'],
])('%s answers table', (file, heading) => {
  const rows = tableRows(section(read(file), heading)).slice(1)
  const listed = new Map<string, string>()
  for (const row of rows) {
    const [status, reasons] = row
      .split('|')
      .slice(1, 3)
      .map((cell) => cell.trim())
    if (status === '200' || status === '202') continue // accepted answers carry a status, not a reason
    for (const [, reason] of reasons!.matchAll(/`([a-z_]+)`/g)) listed.set(reason!, status!)
  }

  it('lists every reason code exactly, and no other', () => {
    expect([...listed.keys()].sort()).toEqual(Object.keys(REJECTION_REASONS).sort())
  })
  it.each(Object.entries(REJECTION_REASONS))('%s is listed under status %i', (reason, status) => {
    expect(listed.get(reason)).toContain(String(status))
  })
})
