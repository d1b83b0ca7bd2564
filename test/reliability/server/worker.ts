// One reliability worker process: `node --import tsx --conditions=@upload-webhooks/source worker.ts`.
// createWorker() over the ingress's Redis store drains the RELIABILITY_DEFER_QUEUE BullMQ queue.
// Its handlers throw on the first attempt of a share of the deliveries (RELIABILITY_FAULT_RATE,
// chosen by delivery ID) and record each effect in the ledger. Prints `ready worker`,
// `hung handler|ack <sender>:<deliveryId>`, and on SIGTERM `stats <json>`.
import { createWorker, type DeferredJob, type Logger, type WorkerContext } from '@upload-webhooks/core'
import { redisStore } from '@upload-webhooks/core/redis'
import { type Job, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import { DEAD_LETTERS_KEY, DELIVERY_EFFECTS_KEY, EFFECTS_KEY, FAULTED_KEY, RAN_ON_KEY } from '../support/constants.js'
import { HANDLED_TYPES } from '../support/events.js'
import { bullmqConnection, bullmqWorkerOptions, faulty, WORKER_LOCK_SECONDS } from './defer.js'
import { createRedis, readServerEnv, redisReady, type ServerEnv } from './options.js'

/** What a worker process counts; printed as `stats <json>` on SIGTERM. */
export interface WorkerStats {
  handlerCalls: number
  /** First attempts that threw on purpose, before any effect. */
  injectedFaults: number
  deadLetters: number
}

const print = (line: string) => process.stdout.write(`${line}\n`)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} }
const jobKey = (job: Pick<DeferredJob, 'sender' | 'deliveryId'>) => `${job.sender}:${job.deliveryId}`

/** Where a doomed worker's job hangs until the process is killed, by job key. */
type Hangs = Map<string, 'handler' | 'ack'>

function hang(where: 'handler' | 'ack', key: string): Promise<never> {
  print(`hung ${where} ${key}`)
  return new Promise<never>(() => {})
}

/** The handler for every handled type: fault, then one transaction for the effect, its process and its delivery. */
function effectHandler(env: ServerEnv, redis: Redis, stats: WorkerStats, hangs: Hangs) {
  return async (event: { file?: { id: string } }, ctx: WorkerContext) => {
    const key = jobKey(ctx)
    const fileId = event.file?.id
    if (!fileId) throw new Error('reliability events always carry a file id')
    stats.handlerCalls++
    if (hangs.get(key) === 'handler') await hang('handler', key)
    if (env.handlerDelayMs > 0) await sleep(Math.random() * env.handlerDelayMs)
    if (ctx.attempt === 0 && faulty(key, env.faultRate)) {
      stats.injectedFaults++
      await redis.sadd(FAULTED_KEY, key)
      throw new Error('injected fault')
    }
    const result = await redis
      .multi()
      .hincrby(EFFECTS_KEY, fileId, 1)
      .hset(RAN_ON_KEY, fileId, env.name)
      .hincrby(DELIVERY_EFFECTS_KEY, key, 1)
      .exec()
    const failed = result?.find(([error]) => error)
    if (!result || failed) throw failed?.[0] ?? new Error('transaction aborted')
  }
}

async function main() {
  const env = readServerEnv()
  if (!env.deferQueue) throw new Error('RELIABILITY_DEFER_QUEUE is required: the BullMQ queue to drain')
  const redis = createRedis(env.redisUrl)
  redis.on('error', () => {})
  await redisReady(redis)
  const stats: WorkerStats = { handlerCalls: 0, injectedFaults: 0, deadLetters: 0 }
  const hangs: Hangs = new Map()
  const handler = effectHandler(env, redis, stats, hangs)
  const consumer = createWorker({
    store: redisStore(redis, { commandTimeoutMs: 1000 }),
    dedupe: { lockSeconds: WORKER_LOCK_SECONDS },
    logger: quiet,
    onDeadLetter: async (job) => {
      stats.deadLetters++
      await redis.rpush(DEAD_LETTERS_KEY, jobKey(job))
    },
    handlers: Object.fromEntries(HANDLED_TYPES.map((type) => [type, handler])),
  })
  let jobs = 0
  // Past `hangAfter` jobs, each job hangs, alternately in its handler before the effect (its claim
  // outlives the process) and once done but before BullMQ hears so (it comes back, already done).
  const processor = async (job: Job<DeferredJob>) => {
    const key = jobKey(job.data)
    if (env.hangAfter !== undefined && ++jobs > env.hangAfter) hangs.set(key, jobs % 2 ? 'handler' : 'ack')
    const outcome = await consumer.bullmq(job)
    if (hangs.get(key) === 'ack') await hang('ack', key)
    return outcome
  }
  const worker = new Worker(env.deferQueue, processor, bullmqWorkerOptions(env.name, bullmqConnection(env.redisUrl)))
  // As users run it, so a job BullMQ fails without running it would count as a dead letter.
  worker.on('failed', consumer.bullmqFailed)
  worker.on('error', () => {})
  await worker.waitUntilReady()
  print('ready worker')
  process.on('SIGTERM', () => {
    print(`stats ${JSON.stringify(stats)}`)
    redis.disconnect()
    process.exit(0)
  })
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
