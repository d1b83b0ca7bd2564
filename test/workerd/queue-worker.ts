// A Worker that defers jobs to a Cloudflare Queue and consumes them, as users deploy one:
// `deferToCloudflareQueue(env.JOBS)` on the producer side, `createWorker().queue` as the
// consumer of `jobs`, `short` and their dead-letter queue. Bundled from core's `dist` and run in
// workerd by cloudflare-queues.test.ts; its store and its records are in Redis, behind Upstash REST.
import { createWorker, type DeferredJob, upstashStore, type WebhookWorker } from '@upload-webhooks/core'
import { type CloudflareMessageBatchLike, type CloudflareQueueLike, deferToCloudflareQueue } from '@upload-webhooks/core/cloudflare'
import { silentLogger } from '@upload-webhooks/core/testing'
import { Redis } from '@upstash/redis/cloudflare'

interface Env {
  UPSTASH_REDIS_REST_URL: string
  UPSTASH_REDIS_REST_TOKEN: string
  KEY_PREFIX: string
  JOBS: CloudflareQueueLike
  SHORT: CloudflareQueueLike
}

// Bindings reach a Worker only with a request or a batch, so what uses them is made on the first.
let redis: Redis | undefined
let worker: WebhookWorker | undefined

function workerFor(env: Env): { redis: Redis; worker: WebhookWorker } {
  redis ??= new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN })
  const r = redis
  const prefix = env.KEY_PREFIX
  worker ??= createWorker({
    store: upstashStore(r),
    dedupe: { keyPrefix: prefix },
    logger: silentLogger,
    queue: { maxRetries: 2, deadLetterQueue: 'jobs-dlq' },
    handlers: {
      // Fails while `<prefix>:fail:<deliveryId>` counts down, as the test sets it.
      'upload.completed': async (_event, ctx) => {
        await r.rpush(`${prefix}:calls`, `${ctx.deliveryId}:${ctx.attempt}`)
        if ((await r.decr(`${prefix}:fail:${ctx.deliveryId}`)) >= 0) throw new Error('downstream is down')
        await r.rpush(`${prefix}:effects`, ctx.deliveryId)
      },
    },
    onDeadLetter: async (job, error) => {
      await r.rpush(`${prefix}:dead`, `${job.deliveryId}:${(error as Error).message}:${JSON.stringify(Object.keys(job).sort())}`)
    },
  })
  return { redis: r, worker }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { job, dedupeId } = (await request.json()) as { job: DeferredJob; dedupeId: string }
    const queue = new URL(request.url).pathname === '/enqueue/short' ? env.SHORT : env.JOBS
    await deferToCloudflareQueue(queue).enqueue({ job, dedupeId, signal: AbortSignal.timeout(5000) })
    return Response.json({ status: 'accepted' })
  },
  async queue(batch: CloudflareMessageBatchLike, env: Env, ctx: unknown): Promise<void> {
    const { redis, worker } = workerFor(env)
    // Every arrival, as the queue delivered it: which messages a batch's failure made it redeliver.
    const arrivals = batch.messages.map((m) => {
      const body = m.body as { deliveryId?: string; dedupeId?: string }
      return `${batch.queue}:${body.deliveryId}:${m.attempts}:${body.dedupeId}`
    })
    if (arrivals.length > 0) await redis.rpush(`${env.KEY_PREFIX}:arrivals`, ...arrivals)
    await worker.queue(batch, env, ctx)
  },
}
