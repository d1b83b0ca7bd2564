// Reading callgrind's dumps: the instructions each function ran itself (calls to others not
// counted), grouped into what they are for. The format: `fn=(id) name` names the function the
// cost lines below it belong to (later mentions give only `(id)`), `cfn=` names a callee, and
// after a `calls=` line the next cost line is that call's inclusive cost, not the caller's own.
import { readFileSync } from 'node:fs'

/** What a function's instructions are for; V8's JIT code has no symbol, only an address. */
export const CATEGORIES = [
  'property lookups, IC misses, map transitions (V8 runtime)',
  'garbage collection',
  'optimising compiler',
  'crypto (OpenSSL)',
  'JSON',
  'V8 builtins',
  'JIT-compiled JavaScript',
  'HTTP parser (llhttp)',
  'other (V8 runtime, Node, libc)',
] as const
export type Category = (typeof CATEGORIES)[number]
export const COMPILER: Category = 'optimising compiler'

const RULES: [RegExp, Category][] = [
  [/^(\?\?\?:)?0x[0-9a-f]+$/, 'JIT-compiled JavaScript'],
  [
    /LookupIterator|LoadIC|StoreIC|KeyedLoad|KeyedStore|StubCache|FeedbackNexus|IC::|MigrateToMap|DescriptorArray|Map::|TransitionTo|TransitionsAccessor|FieldIndex|PrototypeIterator|MakePrototypesFast|DefineKeyedOwnProperty|JSObject::|Object::(Get|Set)Property|UpdateDescriptor/,
    'property lookups, IC misses, map transitions (V8 runtime)',
  ],
  [/compiler::|Compil|Turbofan|Maglev|Zone::/, 'optimising compiler'],
  [/Scaveng|Heap|Marking|Sweep|Evacuat|Remembered|SlotSet|MemoryChunk|heap::|WriteBarrier|GCTracer/, 'garbage collection'],
  [/sha256|hmac|EVP_|OPENSSL|CRYPTO_/i, 'crypto (OpenSSL)'],
  [/Json/, 'JSON'],
  [/^(\?\?\?:)?Builtins_/, 'V8 builtins'],
  [/llhttp/, 'HTTP parser (llhttp)'],
]

export function categoryOf(name: string): Category {
  for (const [pattern, category] of RULES) if (pattern.test(name)) return category
  return 'other (V8 runtime, Node, libc)'
}

/** Self instructions per function in one dump file (one thread's, with `--separate-threads=yes`). */
export function selfCosts(text: string): Map<string, number> {
  const names = new Map<string, string>()
  const costs = new Map<string, number>()
  const nameOf = (spec: string) => {
    const match = /^\((\d+)\)(?: (.*))?$/.exec(spec)
    if (!match) return spec
    if (match[2] !== undefined) names.set(match[1]!, match[2])
    return names.get(match[1]!) ?? spec
  }
  let current = ''
  let inCall = false
  for (const line of text.split('\n')) {
    if (line.startsWith('fn=')) current = nameOf(line.slice(3))
    else if (line.startsWith('cfn=')) nameOf(line.slice(4))
    else if (line.startsWith('calls=')) inCall = true
    else if (/^[\d+\-*]/.test(line)) {
      const cost = Number(line.split(' ')[1])
      if (!Number.isFinite(cost)) continue
      // The cost line after `calls=` is the callee's inclusive cost: the callee's own lines count it.
      if (inCall) inCall = false
      else costs.set(current, (costs.get(current) ?? 0) + cost)
    }
  }
  return costs
}

/** The dump's `totals:` line: every instruction the thread ran while collecting. */
export const totalOf = (text: string) => Number(/^totals: (\d+)/m.exec(text)?.[1] ?? 0)

/** Instructions of all the given dump files (one per thread), in all and by category. */
export function readDumps(files: readonly string[]): { total: number; byCategory: Record<Category, number> } {
  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>
  let total = 0
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    total += totalOf(text)
    for (const [name, cost] of selfCosts(text)) byCategory[categoryOf(name)] += cost
  }
  return { total, byCategory }
}
