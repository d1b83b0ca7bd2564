// Spawns reliability worker processes (server/worker.ts): BullMQ consumers built with createWorker().
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { WorkerStats } from '../server/worker.js'
import { spawnChild, stopChild } from './processes.js'

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'server', 'worker.ts')

export interface WorkerProcessOptions {
  /** BullMQ worker name (a job's `processedBy`) and the name written next to each effect. Required. */
  name: string
  /** `redis://127.0.0.1:<port>`: the queue, the ingress's dedupe store and the ledger. Required. */
  redisUrl: string
  /** The BullMQ queue the ingress processes defer to. Required. */
  queue: string
  /** Share of deliveries whose first attempt throws, 0–1, chosen by delivery ID. Default: 0. */
  faultRate?: number
  /** Handlers wait a random 0..this many ms before their effect. Default: 0. */
  handlerDelayMs?: number
  /** After this many jobs, every further job hangs (see server/worker.ts). Default: never. */
  hangAfter?: number
}

/** A job hung in a doomed worker: in its handler before the effect, or done but not yet acknowledged. */
export interface HungJob {
  where: 'handler' | 'ack'
  /** `<sender>:<deliveryId>` */
  key: string
}

export interface WorkerProcess {
  readonly name: string
  /** Jobs hung so far (only with `hangAfter`). */
  readonly hung: HungJob[]
  /** Resolves once `count` jobs hang here. */
  hungReached(count: number): Promise<void>
  /** SIGTERM; resolves with the process's counters. */
  stop(): Promise<WorkerStats>
  /** SIGKILL: no goodbye, no counters, jobs left active in BullMQ and claims left in the store. */
  kill(): Promise<void>
}

export async function startWorker(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const label = `worker ${options.name}`
  const hung: HungJob[] = []
  const waiters: { count: number; resolve: () => void }[] = []
  const onLine = (line: string) => {
    const [word, where, key] = line.split(' ')
    if (word !== 'hung' || (where !== 'handler' && where !== 'ack') || !key) return
    hung.push({ where, key })
    for (const waiter of waiters.filter((w) => hung.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  }
  const env = {
    RELIABILITY_NAME: options.name,
    RELIABILITY_REDIS_URL: options.redisUrl,
    RELIABILITY_DEFER_QUEUE: options.queue,
    RELIABILITY_FAULT_RATE: String(options.faultRate ?? 0),
    RELIABILITY_HANDLER_DELAY_MS: String(options.handlerDelayMs ?? 0),
    RELIABILITY_HANG_AFTER: options.hangAfter === undefined ? '' : String(options.hangAfter),
  }
  const spawned = spawnChild(entry, [], env, label, onLine)
  await spawned.line('ready')
  return {
    name: options.name,
    hung,
    hungReached: (count) => (hung.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    stop: () => stopChild<WorkerStats>(spawned, label),
    kill: () => spawned.kill(),
  }
}
