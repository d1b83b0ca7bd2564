// The worker as a BullMQ processor and its `'failed'` listener. Structural: core never imports
// bullmq, so the main entry stays runtime-neutral and bullmq an optional peer.
import type { DeferredJob } from '../defer/job.js'
import { parseJob } from '../defer/parse-job.js'
import { NonRetryableError } from '../errors.js'
import type { Logger } from '../types.js'
import type { JobOutcome, ProcessJob } from './process.js'

/** The part of a BullMQ `Job` the processor and the `'failed'` listener read. */
export interface BullMQJobLike {
  data: unknown
  /** Failed runs so far. */
  attemptsMade: number
  opts: { attempts?: number }
  /** Set once BullMQ moved the job to completed or failed for good. */
  finishedOn?: number | null
}

/** A BullMQ processor: `new Worker(queueName, worker.bullmq, { connection }).on('failed', worker.bullmqFailed)`. */
export type BullMQProcessor = (job: BullMQJobLike) => Promise<JobOutcome>

/** A listener for a BullMQ Worker's `'failed'` event: `worker.on('failed', listener)`. Never throws. */
export type BullMQFailedListener = (job: BullMQJobLike | undefined, error: Error) => void

export interface BullMQConsumerSettings {
  process: ProcessJob
  deadLetter(job: DeferredJob, error: unknown): Promise<void>
  logger: Logger
}

/** BullMQ fails a job for good, skipping its remaining attempts, on an error of this name. */
function unrecoverable(error: Error): Error {
  const failed = new Error(error.message, { cause: error })
  failed.name = 'UnrecoverableError'
  return failed
}

/** BullMQ stamps `finishedOn` when it fails a job for good; its own unrecoverable failures are final too. */
const failedForGood = (job: BullMQJobLike, error: Error | undefined) =>
  typeof job.finishedOn === 'number' || error?.name === 'UnrecoverableError'

export function bullmqConsumer(settings: BullMQConsumerSettings): { processor: BullMQProcessor; failed: BullMQFailedListener } {
  const { process, deadLetter, logger } = settings
  // Runs whose end the processor settled: completed, or dead-lettered (or logged as malformed).
  // BullMQ hands the listener the same Job object it handed the processor, and a new one per run.
  const settled = new WeakSet<object>()

  const processor: BullMQProcessor = async (job) => {
    const attempts = Math.max(1, job.opts?.attempts ?? 1)
    const final = job.attemptsMade + 1 >= attempts
    try {
      const outcome = await process(job.data, { attempt: job.attemptsMade, final })
      settled.add(job)
      return outcome
    } catch (error) {
      if (final || error instanceof NonRetryableError) settled.add(job)
      throw error instanceof NonRetryableError ? unrecoverable(error) : error
    }
  }

  // A job failed for good that the processor did not settle: BullMQ failed it without running it
  // (stalled more than `maxStalledCount`, started more than `maxStartedAttempts`), or refused a
  // retry the processor expected. Unhandled, it would sit in the failed set with its record done.
  async function deadLetterUnsettled(job: BullMQJobLike | undefined, error: Error): Promise<void> {
    if (job === undefined || job === null) {
      logger.error('[upload-webhooks] BullMQ reported a failed job without the job: it cannot be dead-lettered', { error })
      return
    }
    if (settled.has(job) || !failedForGood(job, error)) return
    const parsed = parseJob(job.data)
    if (typeof parsed === 'string') {
      logger.error(`[upload-webhooks] BullMQ failed a malformed deferred job (${parsed}): nothing to dead-letter`, { error })
      return
    }
    await deadLetter(parsed, error)
  }

  const failed: BullMQFailedListener = (job, error) => {
    deadLetterUnsettled(job, error).catch((thrown: unknown) => {
      try {
        logger.error('[upload-webhooks] dead-lettering a job BullMQ failed threw', { error: thrown })
      } catch {
        // An event listener has no caller to tell: a throwing logger must not crash the worker.
      }
    })
  }

  return { processor, failed }
}
