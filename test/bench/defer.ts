// Part 7a: ingress throughput with `defer` — ours (`deferToBullMQ` over `redisStore`) against the
// queue recipe (`Receiver.verify` + `queue.add`) and against the same recipe with ours' guarantees
// (a claim with replay nonce before the add, a commit after it), each server in its own child process, on one
// redis-server. No worker runs: jobs wait in the queue, and each run's queue is counted (a 2xx
// with no job is data loss, reported loudly) and obliterated before the next run.
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import type { Expected } from './deliveries.js'
import { FRAMEWORKS, type Framework } from './frameworks.js'
import { WEBHOOK_PATH } from './payload.js'
import { type RunningServer, startServers } from './server-process.js'
import { deferred, queued } from './servers/answers.js'
import { queueName } from './servers/defer-ingress.js'
import { DEFER_VARIANTS, type DeferVariant } from './servers/variant.js'
import { type NextDelivery, signedDeliveries } from './signed-deliveries.js'
import { load, median, type Sample, warmUp } from './throughput.js'

export interface DeferOptions {
  frameworks: readonly Framework[]
  rounds: number
  durationSec: number
  warmupSec: number
  connections: number
  redisUrl: string
  /** One process per framework serving both variants (smoke), else one per variant. */
  perFramework: boolean
}

export interface DeferSample extends Sample {
  /** redis-server CPU time (user + system) per answered delivery, µs: the queue and the store's work. */
  redisCpuMicrosPerRequest: number
  /** Jobs the queue held after the run; at least the deliveries answered 2xx. */
  jobs: number
}

export interface DeferRow {
  framework: Framework
  label: string
  variant: DeferVariant
  reqPerSec: number
  p50Ms: number
  p99Ms: number
  serverCpuMicrosPerRequest: number
  redisCpuMicrosPerRequest: number
  /** Ours: median over rounds of ours' req/s ÷ the recipe's in the same round. */
  peerRatio?: number
  /** Ours: median over rounds of the recipe's server CPU per delivery ÷ ours' (above 1: ours is cheaper). */
  peerCpuRatio?: number
  /** Ours: the same two ratios against the recipe with exactly-once. */
  claimRatio?: number
  claimCpuRatio?: number
  /** The recipe with exactly-once: its req/s ÷ the plain recipe's, same round (what the guarantees cost it). */
  guaranteeRatio?: number
  samples: DeferSample[]
}

/** What each variant must answer every delivery: ours and the claiming recipe 202 `accepted`, the plain recipe 200. */
export const EXPECTED: Record<DeferVariant, Expected> = { defer: deferred, 'receiver-queue': queued, 'receiver-claim-queue': deferred }
const duplicate = (status: number, body: string) => status === 200 && body.includes('"duplicate"')
/** What each answers a redelivery: the claiming variants 200 `duplicate`, the plain recipe as the first time. */
const REDELIVERED: Record<DeferVariant, Expected> = { defer: duplicate, 'receiver-queue': queued, 'receiver-claim-queue': duplicate }

interface Served {
  server: RunningServer
  next: NextDelivery
  queue: Queue
}

/** redis-server's own CPU time so far, µs, from `INFO cpu`. */
async function redisCpuMicros(admin: Redis): Promise<number> {
  const info = await admin.info('cpu')
  const seconds = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN)
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6
}

/**
 * One delivery and its redelivery: the first answered as the variant answers, the second not
 * adding a job (ours and the claiming recipe answer it 200 `duplicate`, the plain recipe's `jobId`
 * keeps BullMQ from adding it).
 */
async function preflight({ server, next, queue }: Served, variant: DeferVariant, name: string) {
  const delivery = next()
  const send = async () => {
    const answer = await fetch(`http://127.0.0.1:${server.port}${WEBHOOK_PATH}`, { method: 'POST', ...delivery })
    return { status: answer.status, body: await answer.text() }
  }
  const first = await send()
  if (!EXPECTED[variant](first.status, first.body)) throw new Error(`bench: ${name} answered ${first.status} ${first.body} to a delivery`)
  const again = await send()
  if (!REDELIVERED[variant](again.status, again.body))
    throw new Error(`bench: ${name} answered ${again.status} ${again.body} to a redelivery`)
  const jobs = await queue.count()
  if (jobs !== 1) throw new Error(`bench: ${name} left ${jobs} jobs for one delivery and its redelivery, expected 1`)
  await queue.obliterate({ force: true })
}

async function startAll(options: DeferOptions, runId: string, connection: Redis) {
  const groups = options.frameworks.flatMap((framework) =>
    options.perFramework ? [[framework, DEFER_VARIANTS] as const] : DEFER_VARIANTS.map((variant) => [framework, [variant]] as const),
  )
  const prefixOf = (framework: Framework) => `bench-defer-${runId}-${framework}-`
  const started = await Promise.allSettled(
    groups.map(([framework, variants]) =>
      startServers(framework, variants, { redisUrl: options.redisUrl, env: { BENCH_QUEUE_PREFIX: prefixOf(framework) } }),
    ),
  )
  const running = started.flatMap((o) => (o.status === 'fulfilled' ? [[...o.value.values()][0]!] : []))
  const queues: Queue[] = []
  const stopAll = async () => {
    await Promise.all(running.map((server) => server.stop()))
    for (const queue of queues) {
      await queue.obliterate({ force: true })
      await queue.close()
    }
  }
  const failed = started.find((o): o is PromiseRejectedResult => o.status === 'rejected')
  const served = new Map<string, Served>()
  try {
    if (failed) throw failed.reason
    for (const [i, outcome] of started.entries()) {
      const framework = groups[i]![0]
      for (const [variant, server] of (outcome as PromiseFulfilledResult<Map<DeferVariant, RunningServer>>).value) {
        const queue = new Queue(queueName(prefixOf(framework), variant), { connection })
        queues.push(queue)
        const next = signedDeliveries(`http://127.0.0.1:${server.port}${WEBHOOK_PATH}`, `msg_${runId}_${framework}_${variant}_`)
        const one = { server, next, queue }
        await preflight(one, variant, `${FRAMEWORKS[framework].label} ${variant}`)
        served.set(`${framework}/${variant}`, one)
      }
    }
  } catch (error) {
    await stopAll()
    throw error
  }
  return { served, stopAll }
}

/** One measured run, then the queue counted against the 2xx answers and emptied. */
async function measureOne(one: Served, variant: DeferVariant, options: DeferOptions, admin: Redis): Promise<DeferSample> {
  const redisBefore = await redisCpuMicros(admin)
  const sample = await load(one.server, one.next, { connections: options.connections, expected: EXPECTED[variant] }, options.durationSec)
  const redisCpu = (await redisCpuMicros(admin)) - redisBefore
  const jobs = await one.queue.count()
  await one.queue.obliterate({ force: true })
  return { ...sample, redisCpuMicrosPerRequest: redisCpu / Math.max(1, sample.responses + sample.non2xx), jobs }
}

function rowsOf(framework: Framework, rounds: Map<DeferVariant, DeferSample>[]): DeferRow[] {
  return DEFER_VARIANTS.map((variant) => {
    const s = rounds.map((round) => round.get(variant)!)
    const recipe = rounds.map((round) => round.get('receiver-queue')!)
    const claiming = rounds.map((round) => round.get('receiver-claim-queue')!)
    const against = (peer: DeferSample[]) => ({
      rate: median(s.map((x, i) => x.reqPerSec / peer[i]!.reqPerSec)),
      cpu: median(s.map((x, i) => peer[i]!.serverCpuMicrosPerRequest / x.serverCpuMicrosPerRequest)),
    })
    return {
      framework,
      label: FRAMEWORKS[framework].label,
      variant,
      reqPerSec: median(s.map((x) => x.reqPerSec)),
      p50Ms: median(s.map((x) => x.p50Ms)),
      p99Ms: median(s.map((x) => x.p99Ms)),
      serverCpuMicrosPerRequest: median(s.map((x) => x.serverCpuMicrosPerRequest)),
      redisCpuMicrosPerRequest: median(s.map((x) => x.redisCpuMicrosPerRequest)),
      ...(variant === 'defer'
        ? {
            peerRatio: against(recipe).rate,
            peerCpuRatio: against(recipe).cpu,
            claimRatio: against(claiming).rate,
            claimCpuRatio: against(claiming).cpu,
          }
        : {}),
      ...(variant === 'receiver-claim-queue' ? { guaranteeRatio: against(recipe).rate } : {}),
      samples: s,
    }
  })
}

/** A run with errors, answers other than the variant's, or fewer jobs than 2xx answers. */
function problemOf(name: string, s: DeferSample): string | undefined {
  if (s.non2xx === 0 && s.errors === 0 && s.unexpected === 0 && s.responses > 0 && s.jobs >= s.responses) return undefined
  return (
    `${name}: ${s.responses} 2xx answers, ${s.jobs} jobs queued, ${s.non2xx} non-2xx, ${s.errors} errors/timeouts, ` +
    `${s.unexpected} unexpected answers${s.firstUnexpected ? ` (first: ${s.firstUnexpected})` : ''}`
  )
}

export async function measureDeferIngress(
  options: DeferOptions,
  log: (line: string) => void,
): Promise<{ rows: DeferRow[]; problems: string[] }> {
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null })
  const rows: DeferRow[] = []
  const problems: string[] = []
  try {
    const { served, stopAll } = await startAll(options, Date.now().toString(36), connection)
    try {
      for (const framework of options.frameworks) {
        const { label } = FRAMEWORKS[framework]
        const of = (variant: DeferVariant) => served.get(`${framework}/${variant}`)!
        for (const variant of DEFER_VARIANTS) {
          const { server, next, queue } = of(variant)
          await warmUp(server, next, { ...options, expected: EXPECTED[variant] })
          await queue.obliterate({ force: true })
        }
        const rounds: Map<DeferVariant, DeferSample>[] = []
        for (let round = 0; round < options.rounds; round++) {
          const order = round % 2 ? [...DEFER_VARIANTS].reverse() : DEFER_VARIANTS
          const inRound = new Map<DeferVariant, DeferSample>()
          for (const variant of order) {
            const sample = await measureOne(of(variant), variant, options, connection)
            inRound.set(variant, sample)
            const problem = problemOf(`${label} ${variant}`, sample)
            if (problem) problems.push(problem)
            log(
              `  ${`${label} ${variant}`.padEnd(40)} round ${round + 1}: ${sample.reqPerSec.toFixed(0)} deliveries/s, ` +
                `server CPU ${sample.serverCpuMicrosPerRequest.toFixed(0)} µs, redis-server CPU ${sample.redisCpuMicrosPerRequest.toFixed(0)} µs per delivery`,
            )
          }
          rounds.push(inRound)
        }
        rows.push(...rowsOf(framework, rounds))
      }
    } finally {
      await stopAll()
    }
  } finally {
    connection.disconnect()
  }
  return { rows, problems }
}
