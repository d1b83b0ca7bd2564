// Instructions per request (`--only instructions`): each server process runs under valgrind's
// callgrind, which counts the instructions every thread of it executes. A count does not move
// with what else runs on the machine, where CPU time on this VM moves by 10-40 % between runs,
// so it tells two variants apart by a few per cent. It leaves out the kernel (syscalls, the
// socket writes) and weighs every instruction alike (a cache miss costs none), so it prices
// work, not time. The server warms up untraced by the count, then the counters are zeroed,
// `requests` deliveries are sent and callgrind dumps what they cost, split by category.
// V8's optimising compiler is left out of the total: at full speed it settles after ~100,000
// deliveries (10 s), which no warm-up under valgrind's 50-fold slowdown reaches, and what it
// costs then is start-up, not a delivery's price. Its figure stays beside the total.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Category, COMPILER, readDumps } from './callgrind.js'
import { deliver } from './deliveries.js'
import type { Framework } from './frameworks.js'
import { WEBHOOK_PATH } from './payload.js'
import { forkServer } from './server-process.js'
import type { Variant } from './servers/variant.js'
import { type NextDelivery, signedDeliveries } from './signed-deliveries.js'

export interface InstructionsOptions {
  frameworks: readonly Framework[]
  variants: readonly Variant[]
  /** Deliveries before the count starts: the JIT has optimised the request path by then. */
  warmupRequests: number
  requests: number
  connections: number
  redisUrl: string | undefined
}

export interface InstructionsRow {
  framework: Framework
  variant: Variant
  /** Instructions per request, all threads (main, GC helpers), the optimising compiler left out. */
  perRequest: number
  /** What the optimising compiler still ran per request, left out of `perRequest`. */
  compilerPerRequest: number
  byCategory: Record<Category, number>
}

/** Whether valgrind is on the PATH: the part needs it, and says so when it is not. */
export function hasValgrind(): boolean {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** `count` deliveries to `name`'s server, each answered `processed`, or the run stops. */
async function send(name: string, port: number, next: NextDelivery, count: number, connections: number): Promise<void> {
  const sent = await deliver(port, next, count, connections)
  if (sent.unexpected > 0) throw new Error(`bench: ${name}: ${sent.unexpected} answers not "processed" (first: ${sent.firstUnexpected})`)
  if (sent.errors > 0 || sent.answered !== count)
    throw new Error(`bench: ${name}: ${sent.answered} of ${count} answered, ${sent.errors} errors`)
}

async function measureOne(framework: Framework, variant: Variant, options: InstructionsOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-callgrind-'))
  const name = `${framework}/${variant} under callgrind`
  const server = await forkServer('./server.js', [framework, variant], [variant], {
    name,
    env: options.redisUrl ? { BENCH_REDIS_URL: options.redisUrl } : {},
    wrapper: [
      'valgrind',
      '--tool=callgrind',
      // V8 writes and rewrites machine code: valgrind must look for it everywhere but in files.
      '--smc-check=all-non-file',
      '--separate-threads=yes',
      `--callgrind-out-file=${join(dir, 'callgrind.out')}`,
      `--log-file=${join(dir, 'valgrind.log')}`,
    ],
  })
  try {
    const port = server.ports[variant]!
    const next = signedDeliveries(`http://127.0.0.1:${port}${WEBHOOK_PATH}`, `cg-${framework}-${variant}-`)
    const pid = String(server.child.pid)
    await send(name, port, next, options.warmupRequests, options.connections)
    execFileSync('callgrind_control', ['--zero', pid], { stdio: 'ignore' })
    await send(name, port, next, options.requests, options.connections)
    execFileSync('callgrind_control', ['--dump', pid], { stdio: 'ignore' })
    // With --separate-threads, dump 1 is one file per thread: callgrind.out.1-01, -02, ...
    const dumps = readdirSync(dir)
      .filter((f) => f.startsWith('callgrind.out.1-'))
      .map((f) => join(dir, f))
    const { total, byCategory } = readDumps(dumps)
    for (const category in byCategory) byCategory[category as Category] /= options.requests
    const compilerPerRequest = byCategory[COMPILER]
    return { framework, variant, perRequest: total / options.requests - compilerPerRequest, compilerPerRequest, byCategory }
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Every variant of every framework, one server process each, in turn. */
export async function measureInstructions(options: InstructionsOptions, log: (line: string) => void): Promise<InstructionsRow[]> {
  const rows: InstructionsRow[] = []
  for (const framework of options.frameworks) {
    for (const variant of options.variants) {
      log(`  ${framework}/${variant} under callgrind…`)
      rows.push(await measureOne(framework, variant, options))
    }
  }
  return rows
}
