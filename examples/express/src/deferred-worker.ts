// The worker's side of deferred mode: a BullMQ Worker over core's createWorker(), which runs each
// job's handler once across every worker sharing the dedupe store, and tells the app what became
// of each job (job-news.ts). Used by `pnpm worker` and by `pnpm demo:defer`'s worker.
import { createWorker, type DeferredJob, type Logger, type WorkerHandlers } from '@upload-webhooks/core'
import { Worker, type WorkerOptions } from 'bullmq'
import { Redis } from 'ioredis'
import { QUEUE_NAME } from './defer-setup.js'
import { handlers } from './handlers.js'
import { type JobNews, publishJobNews } from './job-news.js'
import { listReceived } from './received.js'

/** handlers.ts, for the worker: written against the context the router and a worker both give. */
export const workerHandlers: WorkerHandlers = handlers

export interface WorkerSetup {
  redisUrl: string
  handlers: WorkerHandlers
  /** How long a job's claim outlives a killed worker, in seconds; keep it above the longest handler. Default: core's (300). */
  lockSeconds?: number
  /** BullMQ's own worker settings (`lockDuration`, `stalledInterval`, `concurrency`, …). Default: BullMQ's. */
  bullmq?: Omit<WorkerOptions, 'connection'>
  /** Default: `console`. */
  logger?: Logger
}

export interface RunningWorker {
  close(): Promise<void>
}

/** What the handlers saved for this delivery, in this process: the app shows it. */
function savedFor(deliveryId: string) {
  const { uploads, failures } = listReceived()
  return { uploads: uploads.filter((u) => u.deliveryId === deliveryId), failures: failures.filter((f) => f.deliveryId === deliveryId) }
}

function newsOf(job: DeferredJob, outcome: JobNews['outcome'], attempt: number, error?: unknown): JobNews {
  const { deliveryId, sender, type, receivedAt } = job
  const news: JobNews = {
    outcome,
    deliveryId,
    sender,
    type,
    attempt,
    receivedAt,
    at: new Date().toISOString(),
    received: savedFor(deliveryId),
  }
  if (error !== undefined) news.error = error instanceof Error ? error.message : String(error)
  return news
}

/**
 * Starts consuming the app's queue. The dedupe store is core's from the environment, as the app's
 * router picks it (REDIS_URL here), with the default key prefix: the worker's must be the router's.
 */
export async function startWorker({ redisUrl, handlers, lockSeconds, bullmq = {}, logger = console }: WorkerSetup): Promise<RunningWorker> {
  const publisher = new Redis(redisUrl)
  const tell = (news: JobNews) => void publishJobNews(publisher, news).catch(() => {}) // the job is done either way
  const consumer = createWorker({
    handlers,
    logger,
    ...(lockSeconds ? { dedupe: { lockSeconds } } : {}),
    onDeadLetter: (job, error) => tell(newsOf(job, 'dead-lettered', 0, error)),
  })
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null }) // BullMQ's requirement for workers
  // The 'failed' listener dead-letters a job BullMQ fails without running the processor (one whose
  // worker was killed mid-job too often): without it that job would be lost behind a done record.
  const worker = new Worker(QUEUE_NAME, consumer.bullmq, { ...bullmq, connection }).on('failed', consumer.bullmqFailed)
  // A duplicate is a job whose handler already ran: its news went out then.
  worker.on('completed', (job, outcome) => {
    // Completed means the processor accepted the job's shape.
    if (outcome === 'processed') tell(newsOf(job.data as DeferredJob, 'done', job.attemptsMade))
  })
  worker.on('error', (error) => logger.error(`[example-express worker] BullMQ: ${error.message}`))
  await worker.waitUntilReady()
  return {
    async close() {
      await worker.close()
      connection.disconnect()
      publisher.disconnect()
    },
  }
}
