import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { installMocks, setStackConfig } from './support/pulumi-mocks.js'

// One contract between the stack and the code that runs with its outputs: every stack output is
// a variable that core, an example app or the CLI reads, and every variable the app reads is an
// output or listed in infra/README.md as one the app sets itself.

const root = fileURLToPath(new URL('../../', import.meta.url))
const SKIP = new Set(['node_modules', 'dist', '.next', '.nuxt', '.output', 'test'])

function sources(dir: string, match: (file: string) => boolean = (f) => /\.(ts|mts|js|mjs|vue)$/.test(f)): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) return SKIP.has(entry) ? [] : sources(path, match)
    return match(entry) ? [path] : []
  })
}

/** ALL_CAPS_WITH_UNDERSCORE string literals (how core and the CLI name the variables they read) and `env.X` reads. */
function variablesIn(files: string[], literals: boolean): Set<string> {
  const found = new Set<string>()
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/\benv\s*(?:\.\s*|\[\s*['"])([A-Z][A-Z0-9_]{2,})/g)) found.add(m[1]!)
    if (literals) for (const m of text.matchAll(/['"]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"]/g)) found.add(m[1]!)
  }
  return found
}

const core = variablesIn(sources(join(root, 'packages/core/src')), true)
const exampleSetups = sources(join(root, 'examples'), (f) => f === 'webhook-setup.ts')
const examples = new Set([...variablesIn(exampleSetups, true), ...variablesIn(sources(join(root, 'examples')), false)])
const cli = variablesIn(sources(join(root, 'packages/cli/src')), true)

/** Backticked names in the first column of the markdown table under `heading` in infra/README.md. */
function readmeTable(heading: string): string[] {
  const readme = readFileSync(join(root, 'infra/README.md'), 'utf8')
  const start = readme.indexOf(`\n${heading}\n`)
  expect(start, `infra/README.md has a "${heading}" section`).toBeGreaterThan(-1)
  const rows = readme.slice(start).split('\n').slice(2)
  const table = rows.slice(rows.findIndex((l) => l.startsWith('|')))
  return table
    .slice(
      0,
      table.findIndex((l) => !l.startsWith('|')),
    )
    .flatMap((l) => [...(l.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!))
}

let outputs: string[] = []
beforeAll(async () => {
  installMocks()
  setStackConfig(
    {
      accountId: '0123456789abcdef0123456789abcdef',
      qstashToken: 't',
      webhookUrls: '["https://app.example.com/api/webhooks/upload"]',
      allowedOrigins: '["https://app.example.com"]',
      alertWebhookUrl: 'https://hooks.slack.com/services/T/B/X',
      // Every optional part on, so every output the stack can have is here.
      uploadcare: JSON.stringify({ publicKey: 'pub', secretKey: 'sec' }),
    },
    ['qstashToken', 'alertWebhookUrl', 'uploadcare'],
  )
  outputs = Object.keys((await import('../index.js')).default).sort()
})

describe('stack outputs ↔ the variables the code reads', () => {
  it('finds the readers (guards the scan itself)', () => {
    expect([...core]).toEqual(expect.arrayContaining(['QSTASH_CURRENT_SIGNING_KEY', 'UPSTASH_REDIS_REST_URL', 'REDIS_URL']))
    expect([...examples]).toEqual(expect.arrayContaining(['QSTASH_CURRENT_SIGNING_KEY', 'WEBHOOK_PUBLIC_URL', 'PORT']))
    expect(outputs).toContain('QSTASH_NEXT_SIGNING_KEY')
  })

  it('every stack output is read by core, an example app or the CLI', () => {
    const unread = outputs.filter((o) => !core.has(o) && !examples.has(o) && !cli.has(o))
    expect(unread, 'outputs nothing reads: drop them, or make the app read them').toEqual([])
  })

  it('every variable the app reads is a stack output or documented as the app’s own', () => {
    const own = readmeTable('### Variables the app sets itself')
    const missing = [...new Set([...core, ...examples])].filter((v) => !outputs.includes(v) && !own.includes(v)).sort()
    expect(missing, 'add them as outputs, or to the README table "Variables the app sets itself"').toEqual([])
    expect(
      own.filter((v) => outputs.includes(v)),
      'a variable is either an output or the app’s own',
    ).toEqual([])
  })

  it('the README lists exactly the stack outputs', () => {
    expect(readmeTable('## Stack outputs: the app’s environment').sort()).toEqual(outputs)
  })
})
