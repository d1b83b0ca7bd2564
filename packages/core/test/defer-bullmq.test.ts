// deferToBullMQ and createWorker().bullmq on real BullMQ over a real redis-server: duplicate
// enqueues in every job state, a worker SIGKILLed mid-handler, and a dead letter the sender's
// re-delivery runs again, whether the processor's last attempt or BullMQ's stall check gave up.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createWorker, type DeferredJob, memoryStore, WebhookConfigError, type WorkerHandler } from '@upload-webhooks/core'
import { type BullMQQueueLike, deferToBullMQ } from '@upload-webhooks/core/bullmq'
import { redisStore } from '@upload-webhooks/core/redis'
import { silentLogger } from '@upload-webhooks/core/testing'
import { Queue, Worker, type WorkerOptions } from 'bullmq'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { jobDedupeId } from '../src/defer/job.js'
import { bullmqSuite, fresh, redisUrl, until } from './support/bullmq-suite.js'

const TYPE = 'upload.completed'
const { admin: adminClient, closers } = bullmqSuite()
function jobFor(deliveryId: string): DeferredJob {
  const event = { type: TYPE, sender: 'sonuslab', event: TYPE, file: { id: deliveryId } }
  return { v: 1, deliveryId, sender: 'sonuslab', type: TYPE, event: event as never, receivedAt: new Date().toISOString() }
}

/** One queue, its engine, and a consumer built with createWorker over the shared Redis store. */
function harness(handler: WorkerHandler, jobOptions: Record<string, unknown> = { backoff: { type: 'fixed', delay: 200 } }) {
  const queueName = fresh('q')
  const keyPrefix = fresh('uw')
  const connection = new Redis(redisUrl!, { maxRetriesPerRequest: null })
  const queue = new Queue(queueName, { connection })
  const deadLetters: [DeferredJob, unknown][] = []
  const errors: string[] = []
  const store = redisStore(adminClient())
  const consumer = createWorker({
    store,
    logger: { ...silentLogger, error: (message) => void errors.push(message) },
    dedupe: { keyPrefix, lockSeconds: 2 },
    onDeadLetter: (job, error) => void deadLetters.push([job, error]),
    handlers: { [TYPE]: handler },
  })
  const engine = deferToBullMQ(queue as unknown as BullMQQueueLike, jobOptions)
  closers.push(async () => {
    await queue.obliterate({ force: true })
    await queue.close()
    connection.disconnect()
  })
  const enqueue = (job: DeferredJob) =>
    engine.enqueue({ job, dedupeId: jobDedupeId(job.sender, job.deliveryId), signal: new AbortController().signal })
  /** The router's side: claim the delivery, enqueue, commit, as the ingress does. */
  async function ingress(job: DeferredJob) {
    const key = `${keyPrefix}:${job.sender}:${job.deliveryId}`
    const claimed = await store.claim(key, 'claim:f:1', 30)
    if (claimed.state !== 'claimed') return claimed.state
    await enqueue(job)
    await store.commit(key, 'claim:f:1', 3600)
    return 'accepted'
  }
  function startWorker(options: Partial<WorkerOptions> = {}) {
    const worker = new Worker(queueName, consumer.bullmq, {
      connection: new Redis(redisUrl!, { maxRetriesPerRequest: null }),
      lockDuration: 1000,
      stalledInterval: 1000,
      ...options,
    }).on('failed', consumer.bullmqFailed)
    closers.push(() => worker.close(true))
    return worker
  }
  return { queue, queueName, keyPrefix, engine, enqueue, ingress, startWorker, deadLetters, errors }
}

describe.skipIf(!redisUrl)('deferToBullMQ + createWorker().bullmq on real BullMQ', () => {
  it('a duplicate enqueue while the job waits, runs, and after it completed runs the handler once', async () => {
    const effects: string[] = []
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const h = harness(async (event) => {
      effects.push(`start:${event.file.id}`)
      await gate
      effects.push(`done:${event.file.id}`)
    })
    const job = jobFor(fresh('d'))
    await h.enqueue(job)
    await h.enqueue(job) // waiting
    expect(await h.queue.getJobCounts('waiting')).toEqual({ waiting: 1 })
    h.startWorker()
    await until(() => effects.length === 1)
    await h.enqueue(job) // active
    release()
    await until(async () => (await h.queue.getJobCounts('completed')).completed === 1)
    await h.enqueue(job) // completed
    await new Promise((r) => setTimeout(r, 500))
    expect(effects).toEqual([`start:${job.deliveryId}`, `done:${job.deliveryId}`])
    expect(await h.queue.getJobCounts('waiting', 'active', 'completed')).toEqual({ waiting: 0, active: 0, completed: 1 })
  })

  it('a job removed from BullMQ and enqueued again is a duplicate to the worker', async () => {
    const effects: string[] = []
    const h = harness((event) => void effects.push(event.file.id))
    const job = jobFor(fresh('d'))
    await h.enqueue(job)
    h.startWorker()
    await until(async () => (await h.queue.getJobCounts('completed')).completed === 1)
    await (await h.queue.getJob(jobDedupeId(job.sender, job.deliveryId)))!.remove()
    await h.enqueue(job) // removed
    await until(async () => (await h.queue.getJobCounts('completed')).completed === 1)
    const again = await h.queue.getJob(jobDedupeId(job.sender, job.deliveryId))
    expect(again!.returnvalue).toBe('duplicate')
    expect(effects).toEqual([job.deliveryId])
  })

  it("a final failure dead-letters the job and clears the router's record; the sender's re-delivery runs it once", async () => {
    let calls = 0
    const effects: string[] = []
    const h = harness(
      (event) => {
        calls++
        // Two failures dead-letter the job; the re-delivery fails once more, then succeeds.
        if (calls <= 3) throw new Error('downstream is down')
        effects.push(event.file.id)
      },
      { attempts: 2, backoff: { type: 'fixed', delay: 100 } },
    )
    const job = jobFor(fresh('d'))
    expect(await h.ingress(job)).toBe('accepted')
    expect(await h.ingress(job)).toBe('done') // the router answers duplicate while the job is queued
    h.startWorker()
    // The hook runs inside the processor's last attempt; BullMQ marks the job failed once it throws.
    await until(async () => h.deadLetters.length === 1 && (await h.queue.getJobCounts('failed')).failed === 1)
    expect(h.deadLetters[0]![0]).toEqual(job)
    expect((h.deadLetters[0]![1] as Error).message).toBe('downstream is down')
    expect(await adminClient().exists(`${h.keyPrefix}:${job.sender}:${job.deliveryId}`)).toBe(0)
    expect(await h.queue.getJobCounts('failed')).toEqual({ failed: 1 })

    expect(await h.ingress(job)).toBe('accepted') // the failed job runs again, with its attempts anew
    await until(async () => (await h.queue.getJobCounts('completed')).completed === 1)
    expect(await h.ingress(job)).toBe('done')
    await h.enqueue(job) // completed: nothing more
    await new Promise((r) => setTimeout(r, 300))
    expect(effects).toEqual([job.deliveryId])
    expect(calls).toBe(4)
    expect(h.deadLetters).toHaveLength(1)
  })

  it('a malformed job fails at once without retries and without a dead-letter hook', async () => {
    const h = harness(() => undefined)
    const { v: _v, ...noVersion } = jobFor(fresh('d'))
    await h.queue.add(TYPE, noVersion, { jobId: fresh('bad'), attempts: 5 })
    h.startWorker()
    await until(async () => (await h.queue.getJobCounts('failed')).failed === 1)
    const [failed] = await h.queue.getFailed()
    expect(failed!.attemptsMade).toBe(1)
    expect(failed!.failedReason).toMatch(/malformed deferred job/)
    expect(h.deadLetters).toEqual([])
  })

  it('a worker SIGKILLed mid-handler: the stalled job runs once elsewhere after the claim expires', async () => {
    const effects: string[] = []
    const h = harness((event) => void effects.push(`done:${event.file.id}`), { attempts: 20, backoff: { type: 'fixed', delay: 300 } })
    const job = jobFor(fresh('d'))
    await h.enqueue(job)
    await killMidHandler(h.queueName, h.keyPrefix)
    h.startWorker()
    await until(async () => (await h.queue.getJobCounts('completed')).completed === 1, 30_000)
    expect(effects).toEqual([`done:${job.deliveryId}`])
    expect(h.deadLetters).toEqual([])
  }, 60_000)

  it('a job BullMQ fails for stalling, without running the processor, is dead-lettered and its re-delivery runs', async () => {
    const effects: string[] = []
    const h = harness((event) => void effects.push(`done:${event.file.id}`), { attempts: 40, backoff: { type: 'fixed', delay: 250 } })
    const job = jobFor(fresh('d'))
    expect(await h.ingress(job)).toBe('accepted')
    await killMidHandler(h.queueName, h.keyPrefix)
    // One stall is too many: the stall checker defers the failure, and this worker fails the job on taking it.
    h.startWorker({ maxStalledCount: 0, stalledInterval: 300 })
    await until(async () => h.deadLetters.length === 1 && (await h.queue.getJobCounts('failed')).failed === 1)
    expect(effects).toEqual([])
    expect(h.deadLetters[0]![0]).toEqual(job)
    expect((h.deadLetters[0]![1] as Error).message).toBe('job stalled more than allowable limit')
    expect(h.errors.filter((message) => message.includes('dead-lettered'))).toHaveLength(1)
    expect(await adminClient().exists(`${h.keyPrefix}:${job.sender}:${job.deliveryId}`)).toBe(0)

    expect(await h.ingress(job)).toBe('accepted') // the failed job runs again, with its attempts anew
    await until(async () => (await h.queue.getJobCounts('completed')).completed === 1)
    expect(effects).toEqual([`done:${job.deliveryId}`])
    expect(h.deadLetters).toHaveLength(1)
  }, 20_000)

  it('a job BullMQ fails for starting more than maxStartedAttempts, without running the processor, is dead-lettered', async () => {
    const effects: string[] = []
    const h = harness((event) => void effects.push(`done:${event.file.id}`), { attempts: 20 })
    const job = jobFor(fresh('d'))
    expect(await h.ingress(job)).toBe('accepted')
    await killMidHandler(h.queueName, h.keyPrefix)
    h.startWorker({ maxStartedAttempts: 1, stalledInterval: 300 })
    await until(async () => h.deadLetters.length === 1 && (await h.queue.getJobCounts('failed')).failed === 1)
    expect(effects).toEqual([])
    expect((h.deadLetters[0]![1] as Error).message).toBe('job started more than allowable limit')
    expect(await adminClient().exists(`${h.keyPrefix}:${job.sender}:${job.deliveryId}`)).toBe(0)
  }, 20_000)

  it("a final attempt the processor dead-letters is not dead-lettered again by the 'failed' listener", async () => {
    const h = harness(
      () => {
        throw new Error('downstream is down')
      },
      { attempts: 1 },
    )
    const job = jobFor(fresh('d'))
    expect(await h.ingress(job)).toBe('accepted')
    const worker = h.startWorker()
    // Registered after the listener under test, so it runs once that one has decided.
    await new Promise((resolve) => worker.once('failed', resolve))
    await new Promise((resolve) => setImmediate(resolve))
    expect(h.deadLetters.map(([dead]) => dead)).toEqual([job])
    expect(h.errors.filter((message) => message.includes('dead-lettered'))).toHaveLength(1)
  })
})

/** Starts a worker process over the queue, waits until its handler runs, and SIGKILLs it there. */
async function killMidHandler(queueName: string, keyPrefix: string) {
  const startedList = fresh('started')
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@upload-webhooks/source',
      fileURLToPath(new URL('./support/bullmq-worker-child.ts', import.meta.url)),
      redisUrl!,
      queueName,
      keyPrefix,
      startedList,
    ],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'inherit', 'inherit'] },
  )
  const exited = new Promise((r) => child.once('exit', r))
  closers.push(async () => {
    child.kill('SIGKILL')
    await exited
  })
  await until(async () => (await adminClient().llen(startedList)) === 1, 30_000)
  child.kill('SIGKILL')
  await exited
}

describe("createWorker().bullmqFailed on what BullMQ's types allow", () => {
  const stalled = Object.assign(new Error('job stalled more than allowable limit'), { name: 'UnrecoverableError' })
  const failedForGood = (data: unknown) => ({ data, attemptsMade: 0, opts: {}, finishedOn: Date.now() })

  it('logs a job it cannot dead-letter, leaves a retried one alone, and dead-letters one failed for good', async () => {
    const errors: string[] = []
    const deadLetters: DeferredJob[] = []
    const worker = createWorker({
      store: memoryStore(),
      logger: { ...silentLogger, error: (message) => void errors.push(message) },
      onDeadLetter: (job) => void deadLetters.push(job),
      handlers: { [TYPE]: () => {} },
    })
    worker.bullmqFailed(undefined, stalled)
    worker.bullmqFailed(failedForGood({ v: 2 }), stalled)
    worker.bullmqFailed({ data: jobFor(fresh('d')), attemptsMade: 0, opts: { attempts: 3 } }, new Error('BullMQ retries this'))
    await until(() => errors.length === 2)
    expect(errors).toEqual([expect.stringMatching(/without the job/), expect.stringMatching(/malformed deferred job/)])
    const job = jobFor(fresh('d'))
    worker.bullmqFailed(failedForGood(job), stalled)
    await until(() => deadLetters.length === 1)
    expect(deadLetters).toEqual([job])
  })

  it('never throws nor rejects, even through a logger that throws', async () => {
    const worker = createWorker({
      store: memoryStore(),
      logger: {
        ...silentLogger,
        error: () => {
          throw new Error('logger down')
        },
      },
      handlers: { [TYPE]: () => {} },
    })
    expect(() => worker.bullmqFailed(failedForGood(jobFor(fresh('d'))), stalled)).not.toThrow()
    expect(() => worker.bullmqFailed(undefined, stalled)).not.toThrow()
    // An unhandled rejection, settled within this turn of the event loop, would fail the run.
    await new Promise((resolve) => setImmediate(resolve))
  })
})

describe('createWorker options', () => {
  it.each([
    [{ handlers: undefined }, /`handlers` is required/],
    [{ handlers: {} }, /has no functions/],
    [{ handlers: { [TYPE]: () => {} }, dedupe: { keyPrefix: 'has space' } }, /dedupe.keyPrefix/],
    [{ handlers: { [TYPE]: () => {} }, dedupe: { lockSeconds: 0 } }, /dedupe.lockSeconds/],
    [{ handlers: { [TYPE]: () => {} }, onDeadLetter: 'log' }, /onDeadLetter/],
    [{ handlers: { [TYPE]: () => {} }, store: { claim: () => ({ state: 'claimed' }), commit: () => true, release: () => true } }, /forget/],
  ])('refuses %o', (options, message) => {
    expect(() => createWorker(options as never)).toThrow(WebhookConfigError)
    expect(() => createWorker(options as never)).toThrow(message)
  })

  it('deferToBullMQ refuses a jobId of its own and what is not a queue', () => {
    const queue = { name: 'q', add: async () => ({ retry: async () => {} }), getJobState: async () => 'waiting' }
    expect(() => deferToBullMQ(queue, { jobId: 'x' } as never)).toThrow(/jobOptions.jobId/)
    expect(() => deferToBullMQ({} as never)).toThrow(/pass a BullMQ Queue/)
  })
})
