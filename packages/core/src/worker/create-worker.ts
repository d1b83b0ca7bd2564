// `createWorker()`: the consumer side of "Answer fast, process later" (docs/architecture.md). One
// job processor, and a thin entry per engine over it.
import { type BullMQFailedListener, type BullMQProcessor, bullmqConsumer } from './bullmq.js'
import { type CloudflareQueueHandler, cloudflareConsumer } from './cloudflare.js'
import { resolveWorkerSettings, type WorkerOptions } from './options.js'
import { type JobAttempt, type JobOutcome, jobProcessor } from './process.js'
import { qstashConsumer } from './qstash.js'

export interface WebhookWorker {
  /**
   * Runs one job's handler at most once across every worker sharing the store. Resolves with
   * `processed` or `duplicate`; rejects when the engine should retry (the claim is released), and
   * with a `NonRetryableError` for a malformed job or one its handler refused. With `final`, a
   * failure first dead-letters the job (`onDeadLetter`, the router's record cleared).
   */
  process(job: unknown, attempt?: JobAttempt): Promise<JobOutcome>
  /**
   * A BullMQ processor; its last attempt dead-letters. Run it with {@link WebhookWorker.bullmqFailed}
   * attached: `new Worker(queueName, worker.bullmq, { connection }).on('failed', worker.bullmqFailed)`.
   */
  readonly bullmq: BullMQProcessor
  /**
   * The listener for the BullMQ Worker's `'failed'` event that runs {@link WebhookWorker.bullmq}:
   * `new Worker(queueName, worker.bullmq, { connection }).on('failed', worker.bullmqFailed)`.
   * BullMQ fails some jobs for good without the processor's last attempt: one that stalled more than
   * `maxStalledCount` times (its worker was killed mid-job) or started more than `maxStartedAttempts`.
   * This dead-letters those (`onDeadLetter`, the error log, the router's record cleared) and leaves
   * the ones the processor already dead-lettered alone. It never throws; its failures are logged.
   */
  readonly bullmqFailed: BullMQFailedListener
  /**
   * The QStash consumer route (`deferToQStash({ url })` publishes to it): verifies QStash's
   * signature for the `qstash.url` option, runs the job, and answers 200, 500 (QStash retries),
   * 489 (a job that can never succeed) or 401. QStash's failure callback to it dead-letters the job.
   */
  handle(request: Request): Promise<Response>
  /**
   * A Cloudflare Queues consumer: `export default { queue: worker.queue }`. Acks each message that
   * ran or had run, retries each that failed; the delivery after `queue.maxRetries` retries
   * dead-letters a failing job and acks it. Batches from `queue.deadLetterQueue` are dead-lettered.
   */
  readonly queue: CloudflareQueueHandler
}

/**
 * Builds the worker that runs deferred deliveries' handlers. Options are checked here. On BullMQ:
 * `new Worker(queueName, worker.bullmq, { connection }).on('failed', worker.bullmqFailed)`.
 */
export function createWorker(options: WorkerOptions): WebhookWorker {
  const settings = resolveWorkerSettings(options)
  settings.store.useLogger?.(settings.logger)
  const { process, deadLetter } = jobProcessor(settings)
  const { logger } = settings
  const handle = settings.qstash
    ? qstashConsumer({ ...settings.qstash, process, deadLetter, logger })
    : async () => {
        logger.error(
          "[upload-webhooks] createWorker().handle() needs the `qstash` option: createWorker({ qstash: { url: <this route's public URL> } })",
        )
        return Response.json({ status: 'error', reason: 'worker_not_configured' }, { status: 500 })
      }
  const queue = cloudflareConsumer({ ...settings.queue, process, deadLetter, logger })
  const bullmq = bullmqConsumer({ process, deadLetter, logger })
  return { process, bullmq: bullmq.processor, bullmqFailed: bullmq.failed, handle, queue }
}
