// The worker as a BullMQ processor. Structural: core never imports bullmq, so the main entry
// stays runtime-neutral and bullmq an optional peer.
import { NonRetryableError } from '../errors.js'
import type { JobOutcome, ProcessJob } from './process.js'

/** The part of a BullMQ `Job` the processor reads. */
export interface BullMQJobLike {
  data: unknown
  /** Failed runs so far. */
  attemptsMade: number
  opts: { attempts?: number }
}

/** A BullMQ processor: `new Worker(queueName, worker.bullmq, { connection })`. */
export type BullMQProcessor = (job: BullMQJobLike) => Promise<JobOutcome>

/** BullMQ fails a job for good, skipping its remaining attempts, on an error of this name. */
function unrecoverable(error: Error): Error {
  const failed = new Error(error.message, { cause: error })
  failed.name = 'UnrecoverableError'
  return failed
}

export function bullmqProcessor(process: ProcessJob): BullMQProcessor {
  return async (job) => {
    const attempts = Math.max(1, job.opts?.attempts ?? 1)
    try {
      return await process(job.data, { attempt: job.attemptsMade, final: job.attemptsMade + 1 >= attempts })
    } catch (error) {
      throw error instanceof NonRetryableError ? unrecoverable(error) : error
    }
  }
}
