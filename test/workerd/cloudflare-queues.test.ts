// deferToCloudflareQueue and createWorker().queue in workerd (Miniflare 3's real queues: batches,
// retries, max_retries and a dead-letter queue), the store in real Redis behind an Upstash REST
// server on loopback, so a job's records outlive each message and are asserted on here.
import { fileURLToPath } from 'node:url'
import { Redis as IORedis } from 'ioredis'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type DeferredJob, jobDedupeId } from '../../packages/core/src/defer/job.js'
import { serveUpstashRest, type UpstashRestServer } from '../../packages/core/test/upstash-rest.js'
import { bundle } from './bundle.js'

const redisUrl = inject('redisUrl')
const TYPE = 'upload.completed'
const prefix = `cfq-${process.pid}-${Date.now()}`
let n = 0
const fresh = () => `d-${n++}`

function jobFor(deliveryId: string): DeferredJob {
  const event = { type: TYPE, sender: 'sonuslab', event: TYPE, file: { id: deliveryId } }
  return { v: 1, deliveryId, sender: 'sonuslab', type: TYPE, event: event as never, receivedAt: new Date().toISOString() }
}
const messageOf = (job: DeferredJob) => ({ ...job, dedupeId: jobDedupeId(job.sender, job.deliveryId) })

async function until(what: string, done: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 500))

describe.skipIf(!redisUrl)('Cloudflare Queues: deferToCloudflareQueue + createWorker().queue in workerd', { timeout: 20_000 }, () => {
  let admin: IORedis
  let upstash: UpstashRestServer
  let mf: Miniflare
  beforeAll(async () => {
    admin = new IORedis(redisUrl!)
    upstash = await serveUpstashRest(admin)
    mf = new Miniflare({
      modules: [
        { type: 'ESModule', path: fileURLToPath(new URL('queue-worker.js', import.meta.url)), contents: await bundle('./queue-worker.ts') },
      ],
      compatibilityDate: '2025-07-18',
      bindings: { UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: 'test-token', KEY_PREFIX: prefix },
      queueProducers: { JOBS: 'jobs', SHORT: 'short' },
      queueConsumers: {
        // As the worker's `queue.maxRetries`.
        jobs: { maxBatchSize: 10, maxBatchTimeout: 0, maxRetries: 2, retryDelay: 0, deadLetterQueue: 'jobs-dlq' },
        // Fewer than the worker's: the queue gives up first, and the dead-letter queue catches it.
        short: { maxBatchSize: 10, maxBatchTimeout: 0, maxRetries: 1, retryDelay: 0, deadLetterQueue: 'jobs-dlq' },
        'jobs-dlq': { maxBatchTimeout: 0 },
      },
    })
    await mf.ready
  }, 60_000)
  afterAll(async () => {
    await mf?.dispose()
    await upstash?.close()
    admin?.disconnect()
  })

  const list = (name: string) => admin.lrange(`${prefix}:${name}`, 0, -1)
  const mine = async (name: string, deliveryId: string) =>
    (await list(name)).filter((entry) => entry.includes(`${deliveryId}:`) || entry === deliveryId)
  const enqueue = async (job: DeferredJob, queue: 'jobs' | 'short' = 'jobs') => {
    const path = queue === 'short' ? '/enqueue/short' : '/enqueue'
    const body = JSON.stringify({ job, dedupeId: jobDedupeId(job.sender, job.deliveryId) })
    const response = await mf.dispatchFetch(`http://localhost${path}`, { method: 'POST', body })
    expect(await response.json()).toEqual({ status: 'accepted' })
  }
  /** One batch straight to the consumer, as the queue would deliver it; what it acked and retried. */
  const dispatch = async (attempts: number, ...jobs: DeferredJob[]) => {
    const messages = jobs.map((job) => ({ id: `m-${job.deliveryId}`, timestamp: new Date(), attempts, body: messageOf(job) }))
    const result = await (await mf.getWorker()).queue('jobs', messages)
    return { acked: [...result.explicitAcks].sort(), retried: result.retryMessages.map((r) => r.msgId).sort() }
  }
  const ingressKey = (job: DeferredJob) => `${prefix}:${job.sender}:${job.deliveryId}`

  it('the same Cloudflare message twice runs its handler once, and both are acked', async () => {
    const job = jobFor(fresh())
    expect(await dispatch(1, job)).toEqual({ acked: [`m-${job.deliveryId}`], retried: [] })
    expect(await dispatch(2, job)).toEqual({ acked: [`m-${job.deliveryId}`], retried: [] })
    expect(await mine('effects', job.deliveryId)).toEqual([job.deliveryId])
    expect(await mine('calls', job.deliveryId)).toEqual([`${job.deliveryId}:0`])

    // Through the producer: Cloudflare Queues keeps both messages; the worker's guard runs one.
    const sent = jobFor(fresh())
    await enqueue(sent)
    await enqueue(sent)
    const arrival = `jobs:${sent.deliveryId}:1:${jobDedupeId(sent.sender, sent.deliveryId)}`
    await until('both messages', async () => (await mine('arrivals', sent.deliveryId)).length === 2)
    expect(await mine('arrivals', sent.deliveryId)).toEqual([arrival, arrival])
    await settle()
    expect(await mine('effects', sent.deliveryId)).toEqual([sent.deliveryId])
    expect(await admin.get(`${prefix}~job:${sent.sender}:${sent.deliveryId}`)).toMatch(/^done:/)
  })

  it('a batch with one failing message acks the others, retries that one, and never re-runs the acked', async () => {
    const [a, b, c] = [jobFor(fresh()), jobFor(fresh()), jobFor(fresh())]
    await admin.set(`${prefix}:fail:${b.deliveryId}`, 1)
    expect(await dispatch(1, a, b, c)).toEqual({ acked: [`m-${a.deliveryId}`, `m-${c.deliveryId}`].sort(), retried: [`m-${b.deliveryId}`] })

    // Through the queue: one batch, one failure, and only that message comes back.
    const [d, e, f] = [jobFor(fresh()), jobFor(fresh()), jobFor(fresh())]
    await admin.set(`${prefix}:fail:${e.deliveryId}`, 1)
    const producer = await mf.getQueueProducer('JOBS')
    await producer.sendBatch([d, e, f].map((job) => ({ body: messageOf(job), contentType: 'json' as const })))
    await until('the retried message to run', async () => (await mine('effects', e.deliveryId)).length === 1)
    await settle()
    const arrivals = (await list('arrivals')).filter((entry) => [d, e, f].some((job) => entry.includes(`:${job.deliveryId}:`)))
    expect(arrivals.map((entry) => entry.split(':').slice(1, 3).join(':')).sort()).toEqual(
      [`${d.deliveryId}:1`, `${e.deliveryId}:1`, `${e.deliveryId}:2`, `${f.deliveryId}:1`].sort(),
    )
    for (const job of [d, e, f]) expect(await mine('effects', job.deliveryId)).toEqual([job.deliveryId])
    expect(await mine('calls', e.deliveryId)).toEqual([`${e.deliveryId}:0`, `${e.deliveryId}:1`])
  })

  it("the last retry dead-letters once and clears the router's record; the sender's re-delivery runs it", async () => {
    const job = jobFor(fresh())
    await admin.set(ingressKey(job), 'done:ingress')
    await admin.set(`${prefix}:fail:${job.deliveryId}`, 99)
    await enqueue(job)
    await until('the dead letter', async () => (await mine('dead', job.deliveryId)).length >= 1)
    await settle()
    expect(await mine('calls', job.deliveryId)).toEqual([0, 1, 2].map((attempt) => `${job.deliveryId}:${attempt}`))
    // The job as enqueued (no `dedupeId`), and the handler's error.
    const fields = JSON.stringify(['deliveryId', 'event', 'receivedAt', 'sender', 'type', 'v'])
    expect(await mine('dead', job.deliveryId)).toEqual([`${job.deliveryId}:downstream is down:${fields}`])
    expect(await admin.exists(ingressKey(job))).toBe(0)
    // Acked, not left to the dead-letter queue (whose consumer would dead-letter it a second time).
    expect((await mine('arrivals', job.deliveryId)).map((entry) => entry.split(':').slice(0, 3).join(':'))).toEqual(
      [1, 2, 3].map((attempts) => `jobs:${job.deliveryId}:${attempts}`),
    )

    await admin.del(`${prefix}:fail:${job.deliveryId}`)
    await enqueue(job)
    await until('the re-delivery to run', async () => (await mine('effects', job.deliveryId)).length === 1)
    expect(await mine('dead', job.deliveryId)).toHaveLength(1)
  })

  it('a job the queue moved to the dead-letter queue is dead-lettered by its consumer, without a handler run', async () => {
    const job = jobFor(fresh())
    await admin.set(ingressKey(job), 'done:ingress')
    await admin.set(`${prefix}:fail:${job.deliveryId}`, 99)
    await enqueue(job, 'short')
    await until('the dead letter', async () => (await mine('dead', job.deliveryId)).length >= 1)
    await settle()
    expect(await mine('dead', job.deliveryId)).toEqual([
      expect.stringMatching(
        new RegExp(`^${job.deliveryId}:Cloudflare Queues moved the job to the dead-letter queue jobs-dlq after its retries:`),
      ),
    ])
    expect(await mine('calls', job.deliveryId)).toEqual([`${job.deliveryId}:0`, `${job.deliveryId}:1`])
    expect(await admin.exists(ingressKey(job))).toBe(0)
    expect((await mine('arrivals', job.deliveryId)).map((entry) => entry.split(':').slice(0, 3).join(':'))).toEqual([
      `short:${job.deliveryId}:1`,
      `short:${job.deliveryId}:2`,
      `jobs-dlq:${job.deliveryId}:1`,
    ])
  })
})
