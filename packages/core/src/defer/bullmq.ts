// `@upload-webhooks/core/bullmq`: the router hands deliveries to a BullMQ queue. Structural types,
// so core never imports bullmq (an optional peer): the user's own `Queue` is passed in.
import { WebhookConfigError } from '../errors.js'
import { type DeferEngine, untilAborted } from './job.js'

export type { DeferEngine, DeferredJob, EnqueueRequest } from './job.js'

/** The part of a BullMQ `Job` that `add` answers with. */
export interface BullMQAddedJobLike {
  retry(state?: 'failed' | 'completed', options?: { resetAttemptsMade?: boolean; resetAttemptsStarted?: boolean }): Promise<void>
}

/** The part of a BullMQ `Queue` the adapter uses: `new Queue(name, { connection })`. */
export interface BullMQQueueLike {
  readonly name: string
  add(name: string, data: unknown, options?: Record<string, unknown>): Promise<BullMQAddedJobLike>
  getJobState(jobId: string): Promise<string>
}

/**
 * BullMQ job options (`attempts`, `backoff`, `removeOnComplete`, `removeOnFail`, `priority`, …),
 * passed to every `queue.add`. `jobId` is the adapter's. Defaults: `attempts: 8`,
 * `backoff: { type: 'exponential', delay: 1000 }` (about four minutes of retries).
 */
export type BullMQJobOptions = Record<string, unknown> & { jobId?: never }

const OWNER = 'deferToBullMQ()'

/** Without attempts BullMQ runs a job once: a transient failure would dead-letter it at once. */
const DEFAULTS = { attempts: 8, backoff: { type: 'exponential', delay: 1000 } }

/**
 * Defers deliveries to a BullMQ queue: `defer: deferToBullMQ(new Queue('webhooks', { connection }))`.
 * Each job's `jobId` is the delivery's dedupe ID, so BullMQ adds it once while it keeps the job;
 * a job it failed for good (a dead letter) is retried when the sender re-delivers. The worker's
 * own guard, not the `jobId`, is what keeps an effect from running twice.
 */
export function deferToBullMQ(queue: BullMQQueueLike, jobOptions: BullMQJobOptions = {}): DeferEngine {
  if (typeof queue?.add !== 'function' || typeof queue.getJobState !== 'function') {
    throw new WebhookConfigError(`${OWNER}: pass a BullMQ Queue, e.g. deferToBullMQ(new Queue('webhooks', { connection }))`)
  }
  if (typeof jobOptions !== 'object' || jobOptions === null) throw new WebhookConfigError(`${OWNER}: \`jobOptions\` must be an object`)
  if ('jobId' in jobOptions) {
    throw new WebhookConfigError(`${OWNER}: \`jobOptions.jobId\` is set per delivery (its dedupe ID); remove it`)
  }
  const options = { ...DEFAULTS, ...jobOptions }
  return {
    name: 'bullmq',
    async enqueue({ job, dedupeId, signal }) {
      const adding = (async () => {
        // A duplicate jobId leaves the existing job as it is, so one that failed for good (a dead
        // letter the sender re-delivers) must be retried. Only a job that existed before the add
        // can be failed, and the add leaves it as it was: the state is read beside the add, in the
        // same round trip, whichever of the two Redis runs first.
        const [added, state] = await Promise.all([queue.add(job.type, job, { ...options, jobId: dedupeId }), queue.getJobState(dedupeId)])
        // The re-delivery gets every attempt again: the dead job had used them all.
        if (state === 'failed') await added.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })
      })()
      await untilAborted(adding, signal)
    },
  }
}
