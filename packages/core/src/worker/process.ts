// One deferred job through the worker (docs/architecture.md, "Answer fast, process later"): check
// it, run its handler under the exactly-once guard keyed by the original delivery in the worker's
// own key space, and on the engine's last attempt dead-letter it and clear the router's record.
import type { DeferredJob } from '../defer/job.js'
import { parseJob } from '../defer/parse-job.js'
import { NonRetryableError } from '../errors.js'
import { randomId } from '../runtime.js'
import { exactlyOnce } from '../steps/exactly-once.js'
import { claimToken, joined } from '../stores/protocol.js'
import type { WorkerContext, WorkerSettings } from './options.js'

/** What a job came to: its handler ran now, or it had already run. */
export type JobOutcome = 'processed' | 'duplicate'

/** Where a run stands in the engine's retries. */
export interface JobAttempt {
  /** The engine's retry number: 0 on the first run. Default: 0. */
  attempt?: number
  /** The engine gives up if this run fails, so a failure dead-letters the job. Default: false. */
  final?: boolean
}

/** Another worker holds the job's claim (a redelivery while it runs, or a killed worker's claim not yet expired). Retryable. */
export class JobInFlightError extends Error {
  override readonly name = 'JobInFlightError'
}

/**
 * `refusalsDeadLetter: false` leaves a `NonRetryableError` to the engine's own dead-letter path
 * (QStash's failure callback), so the job is dead-lettered once.
 */
export type ProcessJob = (data: unknown, attempt?: JobAttempt, refusalsDeadLetter?: boolean) => Promise<JobOutcome>

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)))

export function jobProcessor(settings: WorkerSettings): {
  process: ProcessJob
  deadLetter(job: DeferredJob, error: unknown): Promise<void>
} {
  const { logger, store } = settings
  // Jobs are keyed by their own key space below, so none of the router's is needed.
  const keySpaces = new Map()
  const once = exactlyOnce({
    store: () => store,
    keySpaces,
    lockSeconds: settings.lockSeconds,
    ttlSeconds: settings.ttlSeconds,
    failOpen: false,
    logger,
  })

  async function run(job: DeferredJob, attempt: number): Promise<JobOutcome> {
    const handler = settings.handlers.get(job.type)
    // Deploy skew (a router that defers a type this worker lacks) heals on retry; success would lose it.
    if (!handler) throw new Error(`no handler for "${job.type}" in this worker: add it to createWorker({ handlers })`)
    const context: WorkerContext = { deliveryId: job.deliveryId, sender: job.sender, attempt, receivedAt: job.receivedAt, logger }
    const claim = { key: joined(settings.jobKeys, job.sender, ':', job.deliveryId), token: claimToken('job', randomId('')) }
    const outcome = await once.run(
      claim,
      () => handler(job.event, context),
      () => {},
    )
    switch (outcome.kind) {
      case 'processed':
      case 'duplicate':
        return outcome.kind
      case 'in-flight':
        throw new JobInFlightError(`another worker holds this job's claim; it expires within ${outcome.retryAfterSeconds} s`)
      case 'store-unavailable':
      case 'failed':
        throw asError(outcome.error)
      default:
        throw new Error(`unexpected claim outcome: ${outcome.kind}`)
    }
  }

  async function deadLetter(job: DeferredJob, error: unknown): Promise<void> {
    const fields = { deliveryId: job.deliveryId, sender: job.sender, type: job.type, error }
    logger.error(
      "[upload-webhooks] a deferred delivery was dead-lettered: the engine gave up on it. Its record is cleared, so the sender's " +
        're-delivery (e.g. `upload-webhooks dlq retry`) is enqueued again.',
      fields,
    )
    try {
      await settings.onDeadLetter?.(job, error)
    } catch (hookError) {
      logger.error('[upload-webhooks] onDeadLetter threw', { ...fields, error: hookError })
    }
    try {
      await store.forget(joined(settings.deliveryKeys, job.sender, ':', job.deliveryId))
    } catch (storeError) {
      logger.error(
        "[upload-webhooks] could not clear a dead letter's record: the sender's re-delivery is answered duplicate until it expires (ttlSeconds)",
        { ...fields, error: storeError },
      )
    }
  }

  async function process(data: unknown, { attempt = 0, final = false }: JobAttempt = {}, refusalsDeadLetter = true): Promise<JobOutcome> {
    const job = parseJob(data)
    if (typeof job === 'string') {
      logger.error(`[upload-webhooks] a deferred job is malformed (${job}): failed without a retry`)
      throw new NonRetryableError(`malformed deferred job: ${job}`)
    }
    try {
      return await run(job, attempt)
    } catch (error) {
      if (final || (refusalsDeadLetter && error instanceof NonRetryableError)) await deadLetter(job, error)
      else logger.warn('[upload-webhooks] a deferred job failed; the engine retries it', { deliveryId: job.deliveryId, attempt, error })
      throw error
    }
  }

  return { process, deadLetter }
}
