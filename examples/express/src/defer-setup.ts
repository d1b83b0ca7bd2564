// Deferred mode, opt-in with DEFER=bullmq and REDIS_URL: the router answers 202 once a BullMQ queue
// holds the delivery, and `pnpm worker` (src/worker.ts) runs the handlers. Unset, the handlers run
// inline before the answer, as everywhere else in the examples.
import { type DeferEngine, WebhookConfigError } from '@upload-webhooks/core'
import { deferToBullMQ } from '@upload-webhooks/core/bullmq'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { followJobNews, type JobNews, recordJobNews } from './job-news.js'

/** The variables this file reads. */
export type DeferEnv = Partial<Record<'DEFER' | 'REDIS_URL', string>>

/** The BullMQ queue between the app and `pnpm worker`. */
export const QUEUE_NAME = 'upload-webhooks'

export interface DeferPlan {
  redisUrl: string
  /** One line for the startup log. */
  summary: string
}

/** For the startup log when DEFER is not set. */
export const INLINE_SUMMARY =
  'mode: inline: handlers run before the answer (DEFER=bullmq with REDIS_URL answers 202 and leaves them to `pnpm worker`)'

function redisUrlOf(env: DeferEnv): string {
  const url = env.REDIS_URL?.trim()
  if (!url) {
    throw new WebhookConfigError(
      'DEFER=bullmq needs REDIS_URL (e.g. redis://localhost:6379): BullMQ keeps its queue there, and the app and `pnpm worker` share it.',
    )
  }
  if (!URL.canParse(url) || !/^rediss?:$/.test(new URL(url).protocol)) {
    throw new WebhookConfigError(`REDIS_URL must be a redis:// or rediss:// URL, got ${JSON.stringify(url)}`)
  }
  return url
}

/** Reads DEFER and REDIS_URL: undefined runs inline; a bad value is a WebhookConfigError naming the fix. */
export function deferPlanFromEnv(env: DeferEnv = process.env as DeferEnv): DeferPlan | undefined {
  const mode = env.DEFER?.trim() ?? ''
  if (mode === '') return undefined
  if (mode !== 'bullmq') {
    throw new WebhookConfigError(
      `DEFER=${JSON.stringify(mode)} is not a mode: set DEFER=bullmq (with REDIS_URL) to leave handlers to \`pnpm worker\`, or unset it to run them inline.`,
    )
  }
  const redisUrl = redisUrlOf(env)
  const summary =
    `mode: deferred: each delivery is answered 202 once BullMQ queue "${QUEUE_NAME}" on Redis at ${new URL(redisUrl).host} holds it; ` +
    'run `pnpm worker` (another terminal) to run the handlers'
  return { redisUrl, summary }
}

export interface DeferredRouting {
  /** The router's `defer` option. */
  defer: DeferEngine
  /** Resolves once the app hears the worker's news (see job-news.ts). */
  listening: Promise<void>
  close(): Promise<void>
}

/** The app's side: the queue the router enqueues to, and the worker's news for the live log. */
export function connectDeferred(plan: DeferPlan, onNews: (news: JobNews) => void = recordJobNews): DeferredRouting {
  const connection = new Redis(plan.redisUrl)
  const queue = new Queue(QUEUE_NAME, { connection })
  let reported = false
  // Unheard, BullMQ's error event would end the process; while Redis is down deliveries get 503.
  queue.on('error', (error) => {
    if (!reported)
      console.error(`[example-express] BullMQ cannot reach Redis (${error.message}): deliveries are answered 503 until it is back`)
    reported = true
  })
  const news = followJobNews(plan.redisUrl, onNews)
  return {
    defer: deferToBullMQ(queue),
    listening: news.listening,
    async close() {
      await queue.close()
      connection.disconnect()
      news.close()
    },
  }
}
