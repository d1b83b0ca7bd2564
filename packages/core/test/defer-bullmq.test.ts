// deferToBullMQ and createWorker().bullmq on real BullMQ over a real redis-server: duplicate
// enqueues in every job state, a worker SIGKILLed mid-handler, and a dead letter the sender's
// re-delivery runs again.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createWorker, type DeferredJob, WebhookConfigError, type WorkerHandler } from '@upload-webhooks/core'
import { type BullMQQueueLike, deferToBullMQ } from '@upload-webhooks/core/bullmq'
import { redisStore } from '@upload-webhooks/core/redis'
import { silentLogger } from '@upload-webhooks/core/testing'
import { Queue, Worker } from 'bullmq'
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
  const store = redisStore(adminClient())
  const consumer = createWorker({
    store,
    logger: silentLogger,
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
  function startWorker() {
    const worker = new Worker(queueName, consumer.bullmq, {
      connection: new Redis(redisUrl!, { maxRetriesPerRequest: null }),
      lockDuration: 1000,
      stalledInterval: 1000,
    })
    closers.push(() => worker.close(true))
    return worker
  }
  return { queue, queueName, keyPrefix, engine, enqueue, ingress, startWorker, deadLetters }
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
        if (calls <= 2) throw new Error('downstream is down')
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

    expect(await h.ingress(job)).toBe('accepted') // the failed job runs again
    await until(async () => (await h.queue.getJobCounts('completed')).completed === 1)
    expect(await h.ingress(job)).toBe('done')
    await h.enqueue(job) // completed: nothing more
    await new Promise((r) => setTimeout(r, 300))
    expect(effects).toEqual([job.deliveryId])
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
    const startedList = fresh('started')
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@upload-webhooks/source',
        fileURLToPath(new URL('./support/bullmq-worker-child.ts', import.meta.url)),
        redisUrl!,
        h.queueName,
        h.keyPrefix,
        startedList,
      ],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'inherit', 'inherit'] },
    )
    const exited = new Promise((r) => child.once('exit', r))
    closers.push(async () => {
      child.kill('SIGKILL')
      await exited
    })
    const job = jobFor(fresh('d'))
    await h.enqueue(job)
    await until(async () => (await adminClient().llen(startedList)) === 1, 30_000)
    child.kill('SIGKILL')
    await exited
    h.startWorker()
    await until(async () => (await h.queue.getJobCounts('completed')).completed === 1, 30_000)
    expect(effects).toEqual([`done:${job.deliveryId}`])
    expect(h.deadLetters).toEqual([])
  }, 60_000)
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
