// Part 1: throughput of each framework × variant, driven by autocannon from this process while
// each server runs in a child process (on 2 cores the load generator and the server then each
// get one, and a server's GC never pauses the load generator). Variants of one framework are
// run back to back in rounds, rotating their order, and the ratios are taken within a round.
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { devSigningKeys, signQStash } from '@upload-webhooks/core/testing'
import autocannon from 'autocannon'
import { FRAMEWORKS, type Framework } from './frameworks.js'
import { uploadBody, WEBHOOK_PATH } from './payload.js'
import { VARIANTS, type Variant } from './servers/variant.js'

export interface ThroughputOptions {
  frameworks: readonly Framework[]
  /** Rounds of (bare, memory, redis) per framework; each ratio is the median over rounds. */
  rounds: number
  /** Measured seconds per run. */
  durationSec: number
  /** Unmeasured seconds before each run (JIT, connection pools, Redis script cache). */
  warmupSec: number
  connections: number
  redisUrl: string
  /** One server process per variant (full runs), or one per framework (smoke: starts faster). */
  processPerVariant: boolean
  /** Directory for `--cpu-prof` profiles of the server processes; undefined: no profiling. */
  profileDir?: string
}

export interface Sample {
  reqPerSec: number
  p50Ms: number
  p99Ms: number
  responses: number
  /** Server process CPU time (user + system) per answered request, µs: less sensitive to a busy machine than req/s. */
  serverCpuMicrosPerRequest: number
  non2xx: number
  errors: number
}

export interface ThroughputRow {
  framework: Framework
  label: string
  variant: Variant
  /** Medians over rounds. */
  reqPerSec: number
  p50Ms: number
  p99Ms: number
  serverCpuMicrosPerRequest: number
  /** Median over rounds of this variant's req/s ÷ the bare route's in the same round. */
  ratio?: number
  samples: Sample[]
}

/** A signed delivery, minus its message ID (set per request, so every delivery is new). */
interface Signed {
  body: string
  headers: Record<string, string>
}

const POOL_SIZE = 256
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const percentile = (sorted: Float64Array, p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!

interface RunningServer {
  port: number
  child: ChildProcess
  /** CPU time the server process has used so far, µs. */
  cpuMicros(): Promise<number>
  stop(): Promise<void>
}

/** One child process serving `variants` of `framework`, one port each. */
function startServers(
  framework: Framework,
  variants: readonly Variant[],
  options: ThroughputOptions,
): Promise<Map<Variant, RunningServer>> {
  const name = `${framework}/${variants.join('+')}`
  const execArgv = options.profileDir
    ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir, '--cpu-prof-name', `${framework}-${variants.join('+')}-${Date.now()}.cpuprofile`]
    : []
  const child = fork(fileURLToPath(new URL('./server.js', import.meta.url)), [framework, variants.join(',')], {
    env: { ...process.env, BENCH_REDIS_URL: options.redisUrl, NODE_ENV: 'development' },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= new Promise<void>((done) => {
      if (child.exitCode !== null) return done()
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      child.once('exit', () => {
        clearTimeout(timer)
        done()
      })
      child.send('stop')
    }))
  const cpuMicros = () =>
    new Promise<number>((answer) => {
      child.once('message', (reply) => answer((reply as { cpuMicros: number }).cpuMicros))
      child.send('cpu')
    })
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench: the ${name} server exited (${code}) before listening`)))
    child.once('message', (message) => {
      const ports = (message as { ports?: Partial<Record<Variant, number>> }).ports
      if (!ports || !variants.every((v) => typeof ports[v] === 'number')) {
        void stop()
        return reject(new Error(`bench: unexpected message from the ${name} server`))
      }
      child.removeAllListeners('exit')
      resolve(new Map(variants.map((v) => [v, { port: ports[v]!, child, cpuMicros, stop }])))
    })
  })
}

async function signPool(port: number): Promise<Signed[]> {
  const url = `http://127.0.0.1:${port}${WEBHOOK_PATH}`
  const pool: Signed[] = []
  for (let i = 0; i < POOL_SIZE; i++) {
    const body = uploadBody(i)
    const { 'upstash-message-id': _, ...headers } = await signQStash({
      body,
      url,
      signingKey: devSigningKeys.currentSigningKey,
      expiresInSeconds: 3600,
    })
    pool.push({ body, headers: { 'content-type': 'application/json', ...headers } })
  }
  return pool
}

/** One signed delivery with a fresh message ID. */
type NextDelivery = () => { body: string; headers: Record<string, string> }

function deliveries(pool: Signed[], idPrefix: string): NextDelivery {
  let n = 0
  return () => {
    const signed = pool[n % pool.length]!
    return { body: signed.body, headers: { ...signed.headers, 'upstash-message-id': `${idPrefix}${n++}` } }
  }
}

/** Sends one delivery and, for the middleware, the same one again: proves the route verifies and dedupes. */
async function preflight(server: RunningServer, variant: Variant, next: NextDelivery, name: string) {
  const delivery = next()
  const send = () => fetch(`http://127.0.0.1:${server.port}${WEBHOOK_PATH}`, { method: 'POST', ...delivery })
  const first = await send()
  const firstBody = await first.text()
  if (first.status !== 200 || !firstBody.includes('"processed"'))
    throw new Error(`bench: ${name} answered ${first.status} ${firstBody} to a signed delivery`)
  if (variant === 'bare') return
  const again = await send()
  const againBody = await again.text()
  if (again.status !== 200 || !againBody.includes('"duplicate"'))
    throw new Error(`bench: ${name} answered ${again.status} ${againBody} to a duplicate`)
}

async function load(server: RunningServer, next: NextDelivery, options: ThroughputOptions, seconds: number): Promise<Sample> {
  const latencies: number[] = []
  let first = 0
  let last = 0
  const cpuBefore = await server.cpuMicros()
  // The instance is both the result promise and an event emitter (its typings only say the former).
  const instance = autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections: options.connections,
    pipelining: 1,
    duration: seconds,
    // autocannon checks for the end of a run once per sample interval: short runs need short ones.
    sampleInt: Math.min(1000, Math.max(20, seconds * 250)),
    requests: [{ method: 'POST', path: WEBHOOK_PATH, setupRequest: (request) => ({ ...request, ...next() }) }],
  }) as Promise<autocannon.Result> & import('node:events').EventEmitter
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    last = performance.now()
    if (first === 0) first = last
    if (status < 300) latencies.push(ms)
  })
  const result = await instance
  const cpu = (await server.cpuMicros()) - cpuBefore
  const sorted = Float64Array.from(latencies).sort()
  return {
    // Between the first and the last answer: leaves out connection set-up and autocannon's stop tick.
    reqPerSec: latencies.length > 1 ? ((latencies.length - 1) * 1000) / (last - first) : 0,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    responses: latencies.length,
    serverCpuMicrosPerRequest: cpu / Math.max(1, latencies.length + result.non2xx),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }
}

/** Runs every framework's three variants; `problems` collects runs with errors or non-2xx answers. */
export async function measureThroughput(
  options: ThroughputOptions,
  log: (line: string) => void,
): Promise<{ rows: ThroughputRow[]; problems: string[] }> {
  const rows: ThroughputRow[] = []
  const problems: string[] = []
  const runId = Date.now().toString(36)
  const key = (framework: Framework, variant: Variant) => `${framework}/${variant}`
  const servers = new Map<string, RunningServer>()
  const nexts = new Map<string, NextDelivery>()
  try {
    // All started together (an idle server costs nothing) and each checked before any load.
    const wanted = options.frameworks.flatMap((framework) => VARIANTS.map((variant) => [framework, variant] as const))
    const groups = options.frameworks.flatMap((framework) =>
      options.processPerVariant ? VARIANTS.map((variant) => [framework, [variant]] as const) : [[framework, VARIANTS] as const],
    )
    const started = await Promise.allSettled(groups.map(([framework, variants]) => startServers(framework, variants, options)))
    started.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') for (const [variant, server] of outcome.value) servers.set(key(groups[i]![0], variant), server)
    })
    const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
    if (failed) throw failed.reason
    for (const [framework, variant] of wanted) {
      const server = servers.get(key(framework, variant))!
      const next = deliveries(await signPool(server.port), `msg_${runId}_${framework}_${variant}_`)
      nexts.set(key(framework, variant), next)
      await preflight(server, variant, next, `${FRAMEWORKS[framework].label} ${variant}`)
    }

    for (const framework of options.frameworks) {
      const { label } = FRAMEWORKS[framework]
      const samples = new Map<Variant, Sample[]>(VARIANTS.map((v) => [v, []]))
      const ratios = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]))
      for (let round = 0; round < options.rounds; round++) {
        const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!)
        const inRound = new Map<Variant, Sample>()
        for (const variant of order) {
          const server = servers.get(key(framework, variant))!
          const next = nexts.get(key(framework, variant))!
          if (options.warmupSec > 0) await load(server, next, options, options.warmupSec)
          const sample = await load(server, next, options, options.durationSec)
          if (sample.non2xx > 0 || sample.errors > 0 || sample.responses === 0) {
            problems.push(`${label} ${variant}: ${sample.responses} answers, ${sample.non2xx} non-2xx, ${sample.errors} errors/timeouts`)
          }
          inRound.set(variant, sample)
          samples.get(variant)!.push(sample)
          log(
            `  ${`${label} ${variant}`.padEnd(34)} round ${round + 1}: ${sample.reqPerSec.toFixed(0)} req/s, p50 ${sample.p50Ms.toFixed(2)} ms, ` +
              `p99 ${sample.p99Ms.toFixed(2)} ms, server CPU ${sample.serverCpuMicrosPerRequest.toFixed(0)} µs/req`,
          )
        }
        const bare = inRound.get('bare')!.reqPerSec
        for (const variant of VARIANTS) ratios.get(variant)!.push(inRound.get(variant)!.reqPerSec / bare)
      }
      for (const variant of VARIANTS) {
        const s = samples.get(variant)!
        rows.push({
          framework,
          label,
          variant,
          reqPerSec: median(s.map((x) => x.reqPerSec)),
          p50Ms: median(s.map((x) => x.p50Ms)),
          p99Ms: median(s.map((x) => x.p99Ms)),
          serverCpuMicrosPerRequest: median(s.map((x) => x.serverCpuMicrosPerRequest)),
          ...(variant === 'bare' ? {} : { ratio: median(ratios.get(variant)!) }),
          samples: s,
        })
      }
    }
  } finally {
    await Promise.all(new Set([...servers.values()].map((server) => server.stop())))
  }
  return { rows, problems }
}
