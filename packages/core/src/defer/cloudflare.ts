// `@upload-webhooks/core/cloudflare`: the router hands deliveries to a Cloudflare Queue from a
// Worker. Structural types, so core needs no Workers types at runtime: the user's `env.QUEUE`
// binding is passed in.
import { WebhookConfigError } from '../errors.js'
import { numberOption } from '../options.js'
import { type DeferEngine, type DeferredJob, untilAborted } from './job.js'

export type { CloudflareMessageBatchLike, CloudflareMessageLike, CloudflareQueueHandler } from '../worker/cloudflare.js'
export type { DeferEngine, DeferredJob, EnqueueRequest } from './job.js'

/** The part of a Cloudflare `Queue` binding the adapter uses (`env.QUEUE`, a `[[queues.producers]]` binding). */
export interface CloudflareQueueLike {
  send(body: unknown, options?: { contentType?: 'json'; delaySeconds?: number }): Promise<unknown>
}

/** What a Cloudflare message's body holds: the job, and its dedupe ID for logs and tooling. */
export type CloudflareJobMessage = DeferredJob & { dedupeId: string }

export interface DeferToCloudflareQueueOptions {
  /** Seconds before the queue delivers each job, 0 to 43 200. Default: 0 (the queue's own `delivery_delay`). */
  delaySeconds?: number
}

const OWNER = 'deferToCloudflareQueue()'

/**
 * Defers deliveries to a Cloudflare Queue: `defer: deferToCloudflareQueue(env.QUEUE)`. Each job is
 * sent as JSON with its dedupe ID as a field; Cloudflare Queues does not deduplicate, so a second
 * enqueue of a delivery is a second message, and the worker's guard runs its handler once.
 */
export function deferToCloudflareQueue(queue: CloudflareQueueLike, options: DeferToCloudflareQueueOptions = {}): DeferEngine {
  if (typeof queue?.send !== 'function') {
    throw new WebhookConfigError(
      `${OWNER}: pass the Queue binding, e.g. deferToCloudflareQueue(env.QUEUE) with [[queues.producers]] binding = "QUEUE" in wrangler.toml`,
    )
  }
  if (typeof options !== 'object' || options === null) throw new WebhookConfigError(`${OWNER}: \`options\` must be an object`)
  const delaySeconds = numberOption(OWNER, 'delaySeconds', options.delaySeconds, 0, { min: 0, max: 43_200, integer: true })
  return {
    name: 'cloudflare-queues',
    async enqueue({ job, dedupeId, signal }) {
      const body: CloudflareJobMessage = { ...job, dedupeId }
      // `send` resolves once the queue has written the message.
      const sending = queue.send(body, { contentType: 'json', ...(delaySeconds ? { delaySeconds } : {}) })
      await untilAborted(sending, signal)
    },
  }
}
