// Part 1: throughput of each framework × variant, driven by autocannon from this process while
// each server runs in a child process (server-process.ts). Variants of one framework are run
// back to back in rounds, rotating their order, and the ratios are taken within a round.
// Every request is a new delivery signed as it is sent (signed-deliveries.ts).
import autocannon from 'autocannon'
import { deliveryRequests, type Expected, type Unexpected } from './deliveries.js'
import { FRAMEWORKS, type Framework } from './frameworks.js'
import { WEBHOOK_PATH } from './payload.js'
import { type RunningServer, startServers } from './server-process.js'
import { processed } from './servers/answers.js'
import { DEDUPES, PEER_OF, VARIANTS, type Variant } from './servers/variant.js'
import { type NextDelivery, signedDeliveries } from './signed-deliveries.js'

export interface ThroughputOptions {
  frameworks: readonly Framework[]
  /** Rounds of every variant per framework; each ratio is the median over rounds. */
  rounds: number
  /**
   * Measured seconds per run. Short runs of every variant back to back, many rounds: this VM's
   * slow phases last tens of seconds, and long runs put one variant in a phase its rival missed.
   */
  durationSec: number
  /** Unmeasured seconds of load each server gets once, before its framework's round 1 (JIT, connection pools, Redis script cache). */
  warmupSec: number
  connections: number
  redisUrl: string
  /**
   * Server processes per variant (full runs; at least 1), each measured every round, a round's
   * figure for the variant the median of theirs: two processes of one variant can differ by more
   * than the margins judged (README, "At 1f662ce"). `'per-framework'`: one process serves all of a
   * framework's variants (smoke: starts faster).
   */
  processes: number | 'per-framework'
  /** Directory for CPU profiles of each measured run (`--profile`); undefined: no profiling. */
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
  /** Answers other than the run's expected one (every delivery is new, so any other answer is a harness defect). */
  unexpected: number
  firstUnexpected?: string
  /** With more than one process per variant: each one's sample, of which the figures above are the medians. */
  perProcess?: Sample[]
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
  /** Median over rounds of this variant's server CPU µs per request minus the bare route's in the same round. */
  overheadCpuMicros?: number
  /** For ours: the peer recipe it is compared with. */
  peer?: Variant
  /** Median over rounds of this variant's req/s ÷ its peer recipe's in the same round. */
  peerRatio?: number
  /** Median over rounds of the peer recipe's server CPU per request ÷ this variant's (above 1: ours is cheaper). */
  peerCpuRatio?: number
  samples: Sample[]
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const percentile = (sorted: Float64Array, p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!

/**
 * Sends one delivery and, where the variant dedupes, the same one again: proves the route
 * verifies (the bare route only parses) and recognises a redelivery.
 */
export async function preflight(server: RunningServer, variant: Variant, next: NextDelivery, name: string) {
  const delivery = next()
  const send = () => fetch(`http://127.0.0.1:${server.port}${WEBHOOK_PATH}`, { method: 'POST', ...delivery })
  const first = await send()
  const firstBody = await first.text()
  if (!processed(first.status, firstBody)) throw new Error(`bench: ${name} answered ${first.status} ${firstBody} to a signed delivery`)
  if (!DEDUPES.has(variant)) return
  const again = await send()
  const againBody = await again.text()
  if (again.status !== 200 || !againBody.includes('"duplicate"'))
    throw new Error(`bench: ${name} answered ${again.status} ${againBody} to a duplicate`)
}

/** The unmeasured load a server gets once before it is measured (JIT, connection pools, Redis script cache). */
export async function warmUp(
  server: Pick<RunningServer, 'port' | 'cpuMicros'>,
  next: NextDelivery,
  options: { connections: number; warmupSec: number; expected?: Expected },
): Promise<void> {
  if (options.warmupSec > 0) await load(server, next, options, options.warmupSec)
}

/** One autocannon run of `seconds` against `server`, every request a new delivery answered as `expected` (default: 200 `processed`). */
export async function load(
  server: Pick<RunningServer, 'port' | 'cpuMicros'>,
  next: NextDelivery,
  options: { connections: number; expected?: Expected },
  seconds: number,
): Promise<Sample> {
  const latencies: number[] = []
  let first = 0
  let last = 0
  const seen: Unexpected = { unexpected: 0 }
  const cpuBefore = await server.cpuMicros()
  // The instance is both the result promise and an event emitter (its typings only say the former).
  const instance = autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections: options.connections,
    pipelining: 1,
    duration: seconds,
    // autocannon checks for the end of a run once per sample interval: short runs need short ones.
    sampleInt: Math.min(1000, Math.max(20, seconds * 250)),
    requests: deliveryRequests(next, seen, options.expected),
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
    ...seen,
  }
}

/** Medians of in-round comparisons: each variant against the bare route and its peer recipe. */
function compare(variant: Variant, rounds: Map<Variant, Sample>[]) {
  const bare = rounds.map((round) => round.get('bare')!)
  const own = rounds.map((round) => round.get(variant)!)
  const peer = PEER_OF[variant]
  const peerSamples = peer ? rounds.map((round) => round.get(peer)!) : []
  return {
    ...(variant === 'bare'
      ? {}
      : {
          ratio: median(own.map((s, i) => s.reqPerSec / bare[i]!.reqPerSec)),
          overheadCpuMicros: median(own.map((s, i) => s.serverCpuMicrosPerRequest - bare[i]!.serverCpuMicrosPerRequest)),
        }),
    ...(peer
      ? {
          peer,
          peerRatio: median(own.map((s, i) => s.reqPerSec / peerSamples[i]!.reqPerSec)),
          peerCpuRatio: median(own.map((s, i) => peerSamples[i]!.serverCpuMicrosPerRequest / s.serverCpuMicrosPerRequest)),
        }
      : {}),
  }
}

/** One server serving one variant, and the deliveries it is sent. */
interface Served {
  server: RunningServer
  next: NextDelivery
}

/** The median of several processes' samples of one variant in one round; counts are summed. */
function acrossProcesses(samples: Sample[]): Sample {
  if (samples.length === 1) return samples[0]!
  const sum = (pick: (s: Sample) => number) => samples.reduce((total, s) => total + pick(s), 0)
  const firstUnexpected = samples.find((s) => s.firstUnexpected)?.firstUnexpected
  return {
    reqPerSec: median(samples.map((s) => s.reqPerSec)),
    p50Ms: median(samples.map((s) => s.p50Ms)),
    p99Ms: median(samples.map((s) => s.p99Ms)),
    serverCpuMicrosPerRequest: median(samples.map((s) => s.serverCpuMicrosPerRequest)),
    responses: sum((s) => s.responses),
    non2xx: sum((s) => s.non2xx),
    errors: sum((s) => s.errors),
    unexpected: sum((s) => s.unexpected),
    ...(firstUnexpected ? { firstUnexpected } : {}),
    perProcess: samples,
  }
}

/** Starts every framework's servers (an idle server costs nothing) and checks each before any load. */
async function startAll(options: ThroughputOptions, runId: string) {
  const servers = new Map<string, Served[]>()
  const { processes } = options
  const groups = options.frameworks.flatMap((framework) =>
    processes === 'per-framework'
      ? [[framework, VARIANTS] as const]
      : VARIANTS.flatMap((variant) => Array.from({ length: processes }, () => [framework, [variant]] as const)),
  )
  const serverOptions = { redisUrl: options.redisUrl }
  const started = await Promise.allSettled(groups.map(([framework, variants]) => startServers(framework, variants, serverOptions)))
  const stopAll = () => Promise.all(started.flatMap((o) => (o.status === 'fulfilled' ? [[...o.value.values()][0]!.stop()] : [])))
  const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
  if (failed) {
    await stopAll()
    throw failed.reason
  }
  try {
    for (const [i, outcome] of started.entries()) {
      const framework = groups[i]![0]
      for (const [variant, server] of (outcome as PromiseFulfilledResult<Map<Variant, RunningServer>>).value) {
        const key = `${framework}/${variant}`
        const copiesSoFar = servers.get(key) ?? []
        const url = `http://127.0.0.1:${server.port}${WEBHOOK_PATH}`
        const next = signedDeliveries(url, `msg_${runId}_${framework}_${variant}_${copiesSoFar.length}_`)
        await preflight(server, variant, next, `${FRAMEWORKS[framework].label} ${variant}`)
        servers.set(key, [...copiesSoFar, { server, next }])
      }
    }
  } catch (error) {
    await stopAll()
    throw error
  }
  return { servers, stopAll }
}

/** One measured run of one server process; profiled as `<name>.cpuprofile`. */
async function measureOne({ server, next }: Served, options: ThroughputOptions, name: string): Promise<Sample> {
  if (options.profileDir) await server.startProfile()
  const sample = await load(server, next, options, options.durationSec)
  if (options.profileDir) await server.stopProfile(`${options.profileDir}/${name}.cpuprofile`)
  return sample
}

/**
 * One round: every variant in `order`, and with several processes per variant, every variant's
 * first process, then every variant's second, and so on, so that a VM phase weighs on each
 * variant alike. A variant's figure is the median of its processes'.
 */
async function measureRound(
  copiesOf: (variant: Variant) => Served[],
  order: readonly Variant[],
  options: ThroughputOptions,
  name: (variant: Variant) => string,
): Promise<Map<Variant, Sample>> {
  const samples = new Map<Variant, Sample[]>(order.map((variant) => [variant, []]))
  const processes = copiesOf(order[0]!).length
  for (let copy = 0; copy < processes; copy++) {
    for (const variant of order) {
      const suffix = processes > 1 ? `-process${copy + 1}` : ''
      samples.get(variant)!.push(await measureOne(copiesOf(variant)[copy]!, options, `${name(variant)}${suffix}`))
    }
  }
  return new Map(order.map((variant) => [variant, acrossProcesses(samples.get(variant)!)]))
}

/** Runs every framework's variants; `problems` collects runs with errors or answers other than `processed`. */
export async function measureThroughput(
  options: ThroughputOptions,
  log: (line: string) => void,
): Promise<{ rows: ThroughputRow[]; problems: string[] }> {
  const rows: ThroughputRow[] = []
  const problems: string[] = []
  const { servers, stopAll } = await startAll(options, Date.now().toString(36))
  try {
    for (const framework of options.frameworks) {
      const { label } = FRAMEWORKS[framework]
      const rounds: Map<Variant, Sample>[] = []
      const copiesOf = (variant: Variant) => servers.get(`${framework}/${variant}`)!
      // Just before the framework's own rounds, not while the frameworks before it are measured.
      for (const variant of VARIANTS) for (const { server, next } of copiesOf(variant)) await warmUp(server, next, options)
      for (let round = 0; round < options.rounds; round++) {
        const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!)
        const inRound = await measureRound(copiesOf, order, options, (variant) => `${framework}-${variant}-round${round + 1}`)
        for (const [variant, sample] of inRound) {
          if (sample.non2xx > 0 || sample.errors > 0 || sample.unexpected > 0 || sample.responses === 0) {
            problems.push(
              `${label} ${variant}: ${sample.responses} answers, ${sample.non2xx} non-2xx, ${sample.errors} errors/timeouts, ` +
                `${sample.unexpected} not "processed"${sample.firstUnexpected ? ` (first: ${sample.firstUnexpected})` : ''}`,
            )
          }
          log(
            `  ${`${label} ${variant}`.padEnd(40)} round ${round + 1}: ${sample.reqPerSec.toFixed(0)} req/s, p50 ${sample.p50Ms.toFixed(2)} ms, ` +
              `p99 ${sample.p99Ms.toFixed(2)} ms, server CPU ${sample.serverCpuMicrosPerRequest.toFixed(0)} µs/req`,
          )
        }
        rounds.push(inRound)
      }
      for (const variant of VARIANTS) {
        const s = rounds.map((round) => round.get(variant)!)
        rows.push({
          framework,
          label,
          variant,
          reqPerSec: median(s.map((x) => x.reqPerSec)),
          p50Ms: median(s.map((x) => x.p50Ms)),
          p99Ms: median(s.map((x) => x.p99Ms)),
          serverCpuMicrosPerRequest: median(s.map((x) => x.serverCpuMicrosPerRequest)),
          ...compare(variant, rounds),
          samples: s,
        })
      }
    }
  } finally {
    await stopAll()
  }
  return { rows, problems }
}
