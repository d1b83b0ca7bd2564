// The defer part's two ingresses over one redis-server and a BullMQ queue each: (ours) the
// adapter with `defer: deferToBullMQ(queue)` over `redisStore()`, answering 202 once BullMQ holds
// the job; (the recipe) `Receiver.verify` + `queue.add` under the message ID as `jobId`, then 200;
// (the recipe with exactly-once) the same between a claim and a commit on ours' store client, then 202.
import { qstash } from '@upload-webhooks/core'
import { deferToBullMQ } from '@upload-webhooks/core/bullmq'
import { redisStore } from '@upload-webhooks/core/redis'
import { devSigningKeys, silentLogger } from '@upload-webhooks/core/testing'
import type { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { receiverClaimQueueRecipe } from './claim-queue-recipe.js'
import { receiverQueueRecipe } from './peer-recipe.js'
import type { DeferVariant, Route } from './variant.js'

/**
 * deferToBullMQ()'s default job options, which the recipe passes too: a careful user retries a
 * failed job, and equal options make equal jobs.
 */
export const DEFER_JOB_OPTIONS = { attempts: 8, backoff: { type: 'exponential', delay: 1000 } }

/** The queue a variant's server adds to: `<BENCH_QUEUE_PREFIX><variant>`, which the parent obliterates between runs. */
export const queueName = (prefix: string, variant: DeferVariant) => `${prefix}${variant}`

/** A BullMQ queue on its own connection, as an app creates it (bullmq loaded only by the defer part's servers). */
export async function benchQueue(redisUrl: string | undefined, variant: DeferVariant): Promise<Queue> {
  const prefix = process.env.BENCH_QUEUE_PREFIX
  if (!redisUrl || !prefix) throw new Error('bench: the defer variants need BENCH_REDIS_URL and BENCH_QUEUE_PREFIX')
  const [{ Queue }, { Redis }] = await Promise.all([import('bullmq'), import('ioredis')])
  return new Queue(queueName(prefix, variant), { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }) })
}

/** The route of `variant`: `store` is ours' dedupe store client, the claiming recipe's too, unused by the plain recipe. */
export function deferIngress(variant: DeferVariant, store: Redis, queue: Queue): Route {
  if (variant === 'receiver-queue') return { kind: 'peer', recipe: receiverQueueRecipe(queue, DEFER_JOB_OPTIONS) }
  if (variant === 'receiver-claim-queue') {
    return { kind: 'peer', recipe: receiverClaimQueueRecipe(store, queue, DEFER_JOB_OPTIONS) }
  }
  return {
    kind: 'ours',
    options: {
      verify: qstash({ ...devSigningKeys }),
      handlers: { onUploadComplete: () => {} },
      logger: silentLogger,
      store: redisStore(store),
      defer: deferToBullMQ(queue),
    },
  }
}
