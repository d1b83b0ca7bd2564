// `createWorker()`: the consumer side of "Answer fast, process later" (docs/architecture.md). One
// job processor, and a thin entry per engine over it.
import { type BullMQProcessor, bullmqProcessor } from './bullmq.js'
import { resolveWorkerSettings, type WorkerOptions } from './options.js'
import { type JobAttempt, type JobOutcome, jobProcessor } from './process.js'

export interface WebhookWorker {
  /**
   * Runs one job's handler at most once across every worker sharing the store. Resolves with
   * `processed` or `duplicate`; rejects when the engine should retry (the claim is released), and
   * with a `NonRetryableError` for a malformed job or one its handler refused. With `final`, a
   * failure first dead-letters the job (`onDeadLetter`, the router's record cleared).
   */
  process(job: unknown, attempt?: JobAttempt): Promise<JobOutcome>
  /** A BullMQ processor: `new Worker(queueName, worker.bullmq, { connection })`. Its last attempt dead-letters. */
  readonly bullmq: BullMQProcessor
}

/** Builds the worker that runs deferred deliveries' handlers. Options are checked here. */
export function createWorker(options: WorkerOptions): WebhookWorker {
  const settings = resolveWorkerSettings(options)
  settings.store.useLogger?.(settings.logger)
  const { process } = jobProcessor(settings)
  return { process, bullmq: bullmqProcessor(process) }
}
