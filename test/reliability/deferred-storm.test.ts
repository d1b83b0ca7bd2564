// Deferred storm: 2,000 distinct events (× RELIABILITY_SCALE), each delivered 3 times, concurrently
// and out of order, across two ingress processes (Express and h3) that defer every delivery to one
// BullMQ queue, drained by two createWorker() worker processes whose handlers throw on the first
// attempt of a fifth of the deliveries. One worker is SIGKILLed mid-storm with jobs hung inside
// their handlers and after them, then started again. Exactly one effect per delivery.
import type { DeferredJob } from '@upload-webhooks/core'
import type { Job, Queue } from 'bullmq'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { deferQueue, faulty, WORKER_CONCURRENCY } from './server/defer.js'
import { DEAD_LETTERS_KEY, FAULTED_KEY } from './support/constants.js'
import { makeEvents } from './support/events.js'
import { recordStorm, scaled } from './support/figures.js'
import { readDeliveryEffects, readLedger } from './support/ledger.js'
import { killAllServers, type ServerProcess, startServer } from './support/processes.js'
import { redisServerPath, type ScenarioRedis, startScenarioRedis } from './support/redis.js'
import { SECOND_ADAPTER, stormSeed } from './support/scenario.js'
import { seededRandom, storm } from './support/sender.js'
import { type HungJob, startWorker, type WorkerProcess, type WorkerProcessOptions } from './support/workers.js'

const QUEUE = 'reliability-deferred'
const FAULT_RATE = 0.2
/** What the ingress may answer: accepted, duplicate, in flight (409) or enqueue failed (503); the sender retries the last two. */
const INGRESS_ANSWERS = ['202', '200', '409', '503']

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const jobKey = (job: Job<DeferredJob>) => `${job.data.sender}:${job.data.deliveryId}`

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`${what}: not within ${ms / 1000} s`)))])
}

/** Waits until BullMQ holds nothing left to run; resolves with how long that took. */
async function drained(queue: Queue, jobs: number, timeoutMs = 60_000): Promise<number> {
  const started = performance.now()
  for (;;) {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed')
    const pending = counts.waiting! + counts.active! + counts.delayed! + counts.prioritized!
    if (pending === 0 && counts.completed! + counts.failed! >= jobs) return performance.now() - started
    if (performance.now() - started > timeoutMs) throw new Error(`jobs not drained in ${timeoutMs / 1000} s: ${JSON.stringify(counts)}`)
    await sleep(100)
  }
}

interface Kill {
  hung: HungJob[]
  /** Jobs BullMQ still had active on the killed worker just after the SIGKILL. */
  orphaned: number
  /** `performance.now()` of the SIGKILL. */
  killedAt: number
  restarted: WorkerProcess
}

/** Once every slot of the doomed worker hangs: SIGKILL it, count what it left active, start a new one. */
async function killWhenHung(doomed: WorkerProcess, queue: Queue, restart: () => Promise<WorkerProcess>): Promise<Kill> {
  await within(doomed.hungReached(WORKER_CONCURRENCY), 60_000, `${doomed.name} hanging ${WORKER_CONCURRENCY} jobs`)
  await doomed.kill()
  const killedAt = performance.now()
  const active = (await queue.getActive()) as Job<DeferredJob>[]
  const orphaned = active.filter((job) => job.processedBy === doomed.name).length
  return { hung: [...doomed.hung], orphaned, killedAt, restarted: await restart() }
}

describe.skipIf(!redisServerPath)('deferred storm: two ingress processes, two BullMQ workers, one killed', () => {
  let redis: ScenarioRedis
  let queue: Queue
  let ingress: ServerProcess[] = []

  beforeAll(async () => {
    redis = await startScenarioRedis()
    queue = deferQueue(QUEUE, redis.server.url)
    const common = { redisUrl: redis.server.url, deferQueue: QUEUE }
    ingress = await Promise.all([
      startServer({ ...common, adapter: 'express', name: 'express' }),
      startServer({ ...common, adapter: SECOND_ADAPTER, name: SECOND_ADAPTER }),
    ])
  })
  afterAll(async () => {
    await killAllServers()
    await queue?.close()
    await redis?.stop()
  })

  test('every delivery accepted, every job done, exactly one effect per delivery', async () => {
    const events = makeEvents('deferred', scaled(2000))
    const seed = stormSeed()
    const worker: Omit<WorkerProcessOptions, 'name'> = {
      redisUrl: redis.server.url,
      queue: QUEUE,
      faultRate: FAULT_RATE,
      handlerDelayMs: 4,
    }
    const [doomed, survivor] = await Promise.all([
      startWorker({ ...worker, name: 'worker-a', hangAfter: Math.floor(events.length / 8) }),
      startWorker({ ...worker, name: 'worker-b' }),
    ])
    const killing = killWhenHung(doomed, queue, () => startWorker({ ...worker, name: 'worker-a-restarted' }))
    killing.catch(() => {}) // awaited below, after the storm
    const stormStarted = performance.now()
    const result = await storm({ events, targets: ingress.map((s) => s.url), copies: { min: 3, max: 3 }, random: seededRandom(seed) })
    const kill = await killing
    const drainMs = await drained(queue, events.length)

    const jobs = (await queue.getJobs(['completed'], 0, -1)) as Job<DeferredJob>[]
    const byKey = new Map(jobs.map((job) => [jobKey(job), job]))
    const failedJobs = await queue.getJobCountByTypes('failed')
    const ingressStats = await Promise.all(ingress.map((s) => s.stop()))
    const workerStats = await Promise.all([survivor.stop(), kill.restarted.stop()])
    const ledger = await readLedger(redis.client, events)
    const deliveryEffects = await readDeliveryEffects(redis.client)
    const faulted = new Set(await redis.client.smembers(FAULTED_KEY))
    const deadLetters = await redis.client.lrange(DEAD_LETTERS_KEY, 0, -1)
    const effectsPerWorker: Record<string, number> = {}
    for (const name of Object.values(ledger.ranOn)) effectsPerWorker[name] = (effectsPerWorker[name] ?? 0) + 1
    const hungIn = (where: HungJob['where']) => kill.hung.filter((h) => h.where === where).map((h) => h.key)
    const returned = (value: string) => jobs.filter((job) => job.returnvalue === value).length

    recordStorm('deferred storm', result, ledger, {
      jobs: jobs.length,
      jobsFailed: failedJobs,
      jobsProcessed: returned('processed'),
      jobsDuplicate: returned('duplicate'),
      jobsRetried: jobs.filter((job) => job.attemptsMade > 1).length,
      faulted: faulted.size,
      hungInHandler: hungIn('handler').length,
      hungAfterDone: hungIn('ack').length,
      orphaned: kill.orphaned,
      killedAt: `${((kill.killedAt - stormStarted) / 1000).toFixed(1)}s`,
      deadLetters: deadLetters.length,
      drain: `${(drainMs / 1000).toFixed(1)}s`,
      effectsPerWorker: JSON.stringify(effectsPerWorker),
      seed,
    })

    // The sender's view: every copy finally 2xx, having retried only what a sender retries.
    expect(result.undelivered).toEqual([])
    expect(Object.keys(result.statuses).filter((status) => !INGRESS_ANSWERS.includes(status))).toEqual([])
    expect(result.missingRetryAfter).toBe(0)
    expect(result.statuses['202'] ?? 0).toBeGreaterThanOrEqual(events.length)
    expect(result.deliveries).toBe(events.length * 3)
    // The ingress never ran a handler: every delivery went to the queue.
    expect(ingressStats.reduce((sum, s) => sum + s.handlerCalls, 0)).toBe(0)

    // BullMQ: one job per delivery, all completed, none failed, none dead-lettered.
    expect(jobs.length).toBe(events.length)
    expect(failedJobs).toBe(0)
    expect(deadLetters).toEqual([])
    expect(workerStats.reduce((sum, s) => sum + s.deadLetters, 0)).toBe(0)

    // The ledger: exactly one effect per event and per delivery ID, none lost.
    expect(ledger.doubled).toEqual([])
    expect(ledger.lost).toEqual([])
    expect(ledger.effects).toBe(events.length)
    expect(deliveryEffects.size).toBe(events.length)
    expect([...deliveryEffects].filter(([, count]) => count !== 1)).toEqual([])
    expect([...byKey.keys()].filter((key) => deliveryEffects.get(key) !== 1)).toEqual([])

    // The throws: only deliveries chosen by ID, and every one of them but a job hung in its handler
    // at attempt 0 and run elsewhere only after retries (its claim held), each retried, then done.
    const chosen = new Set([...byKey.keys()].filter((key) => faulty(key, FAULT_RATE)))
    const hungInHandler = new Set(hungIn('handler'))
    expect([...faulted].filter((key) => !chosen.has(key))).toEqual([])
    expect([...chosen].filter((key) => !faulted.has(key) && !hungInHandler.has(key))).toEqual([])
    // A completed job's attemptsMade counts its successful run too.
    expect([...faulted].filter((key) => byKey.get(key)!.attemptsMade < 2)).toEqual([])

    // The kill landed mid-job: jobs hung in their handlers were run once elsewhere after the dead
    // worker's claim expired; jobs done but never acknowledged came back and the guard said duplicate.
    expect(hungIn('handler').length).toBeGreaterThan(0)
    expect(hungIn('ack').length).toBeGreaterThan(0)
    expect(kill.orphaned).toBe(kill.hung.length)
    for (const key of hungInHandler) expect(byKey.get(key)).toMatchObject({ returnvalue: 'processed' })
    for (const key of hungInHandler) expect(byKey.get(key)!.processedBy).not.toBe(doomed.name)
    for (const key of hungIn('ack')) expect(byKey.get(key)).toMatchObject({ returnvalue: 'duplicate' })
    expect(effectsPerWorker[doomed.name] ?? 0).toBeGreaterThan(0)
    expect(effectsPerWorker[survivor.name] ?? 0).toBeGreaterThan(0)
  })
})
