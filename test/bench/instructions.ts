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
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Category, COMPILER, readDumps } from './callgrind.js'
import type { Framework } from './frameworks.js'
import { WEBHOOK_PATH } from './payload.js'
import { forkServer } from './server-process.js'
import type { Variant } from './servers/variant.js'
import { type Delivery, signedDeliveries } from './signed-deliveries.js'

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

function post(agent: Agent, port: number, delivery: Delivery): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: WEBHOOK_PATH, method: 'POST', headers: delivery.headers, agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () =>
        resolve(res.statusCode === 200 && body.startsWith('{"status":"processed"') ? undefined : `${res.statusCode} ${body}`),
      )
    })
    req.on('error', reject)
    req.end(delivery.body)
  })
}

/** `count` deliveries over `connections` keep-alive connections; the first answer that is not `processed`, if any. */
async function drive(port: number, next: () => Delivery, count: number, connections: number): Promise<string | undefined> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  let left = count
  let problem: string | undefined
  const connection = async () => {
    while (left-- > 0 && problem === undefined) problem = await post(agent, port, next())
  }
  await Promise.all(Array.from({ length: connections }, connection))
  agent.destroy()
  return problem
}

async function measureOne(framework: Framework, variant: Variant, options: InstructionsOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-callgrind-'))
  const server = await forkServer('./server.js', [framework, variant], [variant], {
    name: `${framework}/${variant} under callgrind`,
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
    const warmupProblem = await drive(port, next, options.warmupRequests, options.connections)
    if (warmupProblem) throw new Error(`bench: ${framework}/${variant} under callgrind answered ${warmupProblem}`)
    execFileSync('callgrind_control', ['--zero', pid], { stdio: 'ignore' })
    const problem = await drive(port, next, options.requests, options.connections)
    if (problem) throw new Error(`bench: ${framework}/${variant} under callgrind answered ${problem}`)
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
