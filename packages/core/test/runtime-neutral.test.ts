// Core's main entry, /testing and /cloudflare must run on edge runtimes: nothing they reach may import a
// Node built-in, except through '#crypto', whose non-node branch is Web Crypto.
import { readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src')
const builtins = new Set(builtinModules)
const importPattern = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

/** Every file reachable from `entry`, with `#crypto` taken to be the web implementation. */
function reachable(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    const specifiers = [...readFileSync(file, 'utf8').matchAll(importPattern)].map((m) => (m[1] ?? m[2])!)
    seen.set(file, specifiers)
    for (const specifier of specifiers) {
      if (specifier === '#crypto') visit(resolve(src, 'crypto/web.ts'))
      else if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
    }
  }
  visit(entry)
  return seen
}

it.each(['index.ts', 'testing/index.ts', 'senders/index.ts', 'defer/cloudflare.ts'])('%s reaches no Node built-in module', (entry) => {
  const files = reachable(resolve(src, entry))
  expect(files.size).toBeGreaterThan(entry === 'index.ts' ? 10 : 3)
  const offenders = [...files].flatMap(([file, specifiers]) =>
    specifiers.filter((s) => s.startsWith('node:') || builtins.has(s)).map((s) => `${file.slice(src.length + 1)} imports ${s}`),
  )
  expect(offenders).toEqual([])
})

it('the Redis store (its own subpath) is the Node-only part, and the scan would see it', () => {
  const files = reachable(resolve(src, 'stores/redis.ts'))
  expect([...files.values()].flat()).toContain('node:crypto')
})
