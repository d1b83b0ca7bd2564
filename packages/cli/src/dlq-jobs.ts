// Reading a BullMQ queue's failed set: every page, and what each job carries (a deferred delivery).
import type { Job } from 'bullmq'
import { type BullMQAccess, bullmqError } from './bullmq.js'
import type { Progress } from './progress.js'

/** A failed job as the CLI prints it. */
export interface FailedJob {
  jobId: string
  /** The `DeferredJob` fields; undefined when the job is not one (another producer's job). */
  deliveryId: string | undefined
  sender: string | undefined
  type: string | undefined
  attemptsMade: number
  /** The job's `attempts` option. */
  attempts: number
  failedReason: string | undefined
  /** Unix milliseconds. */
  finishedOn: number | undefined
}

const PAGE = 100

/** Lines of the latest stack trace `show` prints: the error and where it was thrown. */
const STACK_LINES = 8

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined)

export function describeJob(job: Job): FailedJob {
  const data = (typeof job.data === 'object' && job.data !== null ? job.data : {}) as Record<string, unknown>
  return {
    jobId: String(job.id),
    deliveryId: text(data['deliveryId']),
    sender: text(data['sender']),
    type: text(data['type']),
    attemptsMade: job.attemptsMade,
    attempts: Math.max(1, job.opts?.attempts ?? 1),
    failedReason: text(job.failedReason),
    finishedOn: job.finishedOn ?? undefined,
  }
}

/** The newest stack trace BullMQ kept for the job, cut to its first lines. */
export function latestStack(job: Job): string | undefined {
  const latest = job.stacktrace?.at(-1)
  if (!latest) return undefined
  const lines = latest.split('\n')
  return lines.length > STACK_LINES ? [...lines.slice(0, STACK_LINES), `    … ${lines.length - STACK_LINES} more lines`].join('\n') : latest
}

/** Every job in the failed set, newest failure first. */
export async function listFailed(access: BullMQAccess, progress: Progress): Promise<Job[]> {
  const jobs = new Map<string, Job>()
  try {
    for (let start = 0; ; start += PAGE) {
      const page = await access.queue.getFailed(start, start + PAGE - 1)
      // A job failing meanwhile shifts the pages: one seen twice is kept once.
      for (const job of page) if (job) jobs.set(String(job.id), job)
      progress.update(`reading the failed jobs… ${jobs.size}`)
      if (page.length < PAGE) break
    }
  } catch (error) {
    throw bullmqError(error, access, 'listing the failed jobs')
  } finally {
    progress.done()
  }
  return [...jobs.values()]
}

/** The job with this ID and its state, or undefined when the queue has no such job. */
export async function findJob(access: BullMQAccess, id: string): Promise<{ job: Job; state: string } | undefined> {
  try {
    const job = await access.queue.getJob(id)
    return job ? { job, state: await job.getState() } : undefined
  } catch (error) {
    throw bullmqError(error, access, `reading job ${id}`)
  }
}
