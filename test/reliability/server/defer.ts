// The BullMQ settings of the deferred storm, shared by its ingress processes (the queue they add
// to) and its worker processes (how they take jobs), so both sides agree on one queue.
import { createHash } from 'node:crypto'
import type { BullMQJobOptions } from '@upload-webhooks/core/bullmq'
import { Queue, type WorkerOptions } from 'bullmq'
import { Redis } from 'ioredis'

/**
 * Enough attempts to outlast an injected throw and a killed worker's claim (`WORKER_LOCK_SECONDS`),
 * retried every 200 ms so the storm drains in seconds; a dead letter is a failure of the test.
 */
export const JOB_OPTIONS: BullMQJobOptions = { attempts: 60, backoff: { type: 'fixed', delay: 200 } }

/** The worker's `dedupe.lockSeconds`: a killed worker's claims block their jobs this long. */
export const WORKER_LOCK_SECONDS = 4

/** Jobs in flight per worker process; the doomed worker is killed once this many hang. */
export const WORKER_CONCURRENCY = 8

/**
 * A killed worker's jobs go back to the queue once their BullMQ lock lapses (`lockDuration`) and
 * the next stalled check (`stalledInterval`) finds them: seconds, not BullMQ's default half minute.
 */
export const bullmqWorkerOptions = (name: string, connection: Redis): WorkerOptions => ({
  name,
  connection,
  concurrency: WORKER_CONCURRENCY,
  lockDuration: 3000,
  stalledInterval: 1000,
})

/** BullMQ wants its own connection that waits out reconnects (no per-command retry limit). */
export const bullmqConnection = (redisUrl: string) => new Redis(redisUrl, { maxRetriesPerRequest: null })

export const deferQueue = (name: string, redisUrl: string) => new Queue(name, { connection: bullmqConnection(redisUrl) })

/** Whether a delivery's first attempt throws (`<sender>:<deliveryId>`): the same ones whichever worker runs them, and the test can name them. */
export function faulty(key: string, rate: number): boolean {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32 < rate
}
