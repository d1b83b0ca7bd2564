// The worker as a Cloudflare Queues consumer (`export default { queue: worker.queue }`). Each
// message is acked or retried on its own, so one failing job never re-runs the batch's others.
import type { DeferredJob } from '../defer/job.js'
import { parseJob } from '../defer/parse-job.js'
import { NonRetryableError } from '../errors.js'
import type { Logger } from '../types.js'
import type { ProcessJob } from './process.js'

/** The part of a Cloudflare `Message` the consumer uses. */
export interface CloudflareMessageLike {
  readonly id: string
  readonly body: unknown
  /** Deliveries so far, this one included: 1 on the first. */
  readonly attempts: number
  ack(): void
  retry(options?: { delaySeconds?: number }): void
}

/** The part of a Cloudflare `MessageBatch` the consumer uses. */
export interface CloudflareMessageBatchLike {
  /** The name of the queue the batch came from. */
  readonly queue: string
  readonly messages: readonly CloudflareMessageLike[]
}

/** A Workers `queue` handler: `export default { queue: worker.queue }`. */
export type CloudflareQueueHandler = (batch: CloudflareMessageBatchLike, env?: unknown, ctx?: unknown) => Promise<void>

export interface CloudflareConsumerSettings {
  maxRetries: number
  deadLetterQueue: string | undefined
  process: ProcessJob
  deadLetter(job: DeferredJob, error: unknown): Promise<void>
  logger: Logger
}

/** The job without the adapter's `dedupeId`, so handlers and `onDeadLetter` see the job as enqueued. */
function bodyOf(message: CloudflareMessageLike): unknown {
  const body = message.body
  if (typeof body !== 'object' || body === null || !('dedupeId' in body)) return body
  const { dedupeId: _dedupeId, ...job } = body as Record<string, unknown>
  return job
}

export function cloudflareConsumer(settings: CloudflareConsumerSettings): CloudflareQueueHandler {
  const { process, logger } = settings

  async function consume(message: CloudflareMessageLike): Promise<void> {
    const attempts = Number.isInteger(message.attempts) && message.attempts > 0 ? message.attempts : 1
    // The last attempt dead-letters and acks, so the hook runs here once and the DLQ only catches
    // what never reached this code (a crashed isolate, a lower `max_retries` in wrangler.toml).
    const final = attempts >= settings.maxRetries + 1
    try {
      await process(bodyOf(message), { attempt: attempts - 1, final })
      message.ack()
    } catch (error) {
      // A malformed or refused job never succeeds by retrying; a final failure was dead-lettered.
      if (final || error instanceof NonRetryableError) message.ack()
      else message.retry()
    }
  }

  async function deadLetterMessage(message: CloudflareMessageLike, queue: string): Promise<void> {
    const job = parseJob(bodyOf(message))
    if (typeof job === 'string') {
      logger.error(`[upload-webhooks] a malformed job reached the dead-letter queue ${queue} (${job}): acked`, { messageId: message.id })
    } else {
      await settings.deadLetter(job, new Error(`Cloudflare Queues moved the job to the dead-letter queue ${queue} after its retries`))
    }
    message.ack()
  }

  return async (batch) => {
    const fromDeadLetterQueue = settings.deadLetterQueue !== undefined && batch.queue === settings.deadLetterQueue
    await Promise.all(batch.messages.map((message) => (fromDeadLetterQueue ? deadLetterMessage(message, batch.queue) : consume(message))))
  }
}
