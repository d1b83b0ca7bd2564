// The router's ingress deferring to real BullMQ over a real redis-server, with an ingress process
// that "crashes" at each point between claim and commit: the sender's retry, after the claim's
// lease, still leads to exactly one handler run.
import { createWebhookRouter, createWorker, type DedupeStore, type DeferEngine, qstash } from '@upload-webhooks/core'
import { type BullMQQueueLike, deferToBullMQ } from '@upload-webhooks/core/bullmq'
import { redisStore } from '@upload-webhooks/core/redis'
import { createTestDelivery, devSigningKeys, silentLogger } from '@upload-webhooks/core/testing'
import { Queue, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { bullmqSuite, fresh, redisUrl, sleep, until } from './support/bullmq-suite.js'

const url = 'http://localhost/api/webhooks/upload'
/** The claim's lease: long enough that a retry sent at once still meets it under load. */
const LEASE_SECONDS = 3
const { admin: adminClient, closers } = bullmqSuite()

/** A queue, a worker counting effects, and routers sharing one Redis store and key prefix. */
function pipeline() {
  const queueName = fresh('q')
  const keyPrefix = fresh('uw')
  const connection = new Redis(redisUrl!, { maxRetriesPerRequest: null })
  const queue = new Queue(queueName, { connection })
  const effects: string[] = []
  const consumer = createWorker({
    store: redisStore(adminClient()),
    logger: silentLogger,
    dedupe: { keyPrefix },
    handlers: { onUploadComplete: (event: { file: { id: string } }) => void effects.push(event.file.id) },
  })
  const worker = new Worker(queueName, consumer.bullmq, { connection: new Redis(redisUrl!, { maxRetriesPerRequest: null }) })
  closers.push(async () => {
    await worker.close(true)
    await queue.obliterate({ force: true })
    await queue.close()
    connection.disconnect()
  })
  const engine = deferToBullMQ(queue as unknown as BullMQQueueLike, { attempts: 3, backoff: { type: 'fixed', delay: 100 } })
  /** An ingress on that store; `crash` wraps its store or engine to die at one point. */
  const ingress = (crash: { store?: (s: DedupeStore) => DedupeStore; engine?: (e: DeferEngine) => DeferEngine } = {}) =>
    createWebhookRouter({
      verify: qstash({ ...devSigningKeys }),
      handlers: { onUploadComplete: () => {} },
      store: (crash.store ?? ((s) => s))(redisStore(adminClient())),
      dedupe: { keyPrefix, lockSeconds: LEASE_SECONDS },
      defer: (crash.engine ?? ((e) => e))(engine),
      enqueueTimeoutMs: 300,
      logger: silentLogger,
    })
  return { queue, effects, ingress }
}

const delivery = (deliveryId: string, retried = 0) =>
  createTestDelivery({
    verifier: 'qstash',
    url,
    deliveryId,
    event: { event: 'onUploadComplete', file: { id: deliveryId } },
    headers: { 'upstash-retried': String(retried) },
  })

/** A process that dies before it writes: the claim stays until its lease runs out. */
const neverWrites = (store: DedupeStore): DedupeStore => ({
  claim: (...args) => store.claim(...args),
  commit: () => new Promise<boolean>(() => {}),
  release: () => new Promise<boolean>(() => {}),
})

describe.skipIf(!redisUrl)('defer to real BullMQ: crashes between claim and commit', { timeout: 20_000 }, () => {
  it('crash after the engine acknowledged, before the commit: the retry after the lease runs the handler exactly once', async () => {
    const p = pipeline()
    const id = fresh('msg')
    // The crashed ingress never answers: its commit never lands.
    void p.ingress({ store: neverWrites }).handle(await delivery(id))
    await until(async () => Object.values(await p.queue.getJobCounts('waiting', 'active', 'completed')).some((n) => n > 0))
    expect((await p.ingress().handle(await delivery(id, 1))).status).toBe(409) // still in its lease
    await sleep(LEASE_SECONDS * 1000 + 200)
    const retried = await p.ingress().handle(await delivery(id, 2))
    expect(retried.status).toBe(202)
    await until(async () => (await p.queue.getJobCounts('completed')).completed === 1)
    expect((await p.ingress().handle(await delivery(id, 3))).status).toBe(200) // duplicate now
    await sleep(500)
    expect(p.effects).toEqual([id])
  })

  it('crash after the claim, before the enqueue: the retry after the lease enqueues exactly once', async () => {
    const p = pipeline()
    const id = fresh('msg')
    const dead: DeferEngine = { name: 'crashed', enqueue: () => new Promise<void>(() => {}) }
    // The crashed ingress never answers: past the enqueue deadline its release never lands.
    void p.ingress({ store: neverWrites, engine: () => dead }).handle(await delivery(id))
    await sleep(400)
    expect((await p.ingress().handle(await delivery(id, 1))).status).toBe(409)
    await sleep(LEASE_SECONDS * 1000)
    expect((await p.ingress().handle(await delivery(id, 2))).status).toBe(202)
    await until(async () => (await p.queue.getJobCounts('completed')).completed === 1)
    await sleep(300)
    expect(p.effects).toEqual([id])
    expect(await p.queue.getJobCounts('waiting', 'active', 'completed', 'failed')).toEqual({
      waiting: 0,
      active: 0,
      completed: 1,
      failed: 0,
    })
  })

  it('an enqueue error answers 503 and the sender’s retry is enqueued: one effect', async () => {
    const p = pipeline()
    const id = fresh('msg')
    let failOnce = true
    const flaky = (engine: DeferEngine): DeferEngine => ({
      name: engine.name,
      enqueue: (request) => {
        if (!failOnce) return engine.enqueue(request)
        failOnce = false
        return Promise.reject(new Error('ECONNRESET'))
      },
    })
    const router = p.ingress({ engine: flaky })
    expect((await router.handle(await delivery(id))).status).toBe(503)
    expect((await router.handle(await delivery(id, 1))).status).toBe(202)
    await until(async () => (await p.queue.getJobCounts('completed')).completed === 1)
    expect(p.effects).toEqual([id])
  })
})
