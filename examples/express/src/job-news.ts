// The worker's news for the app's live log. Deferred handlers run in `pnpm worker`, another
// process, so the worker publishes each job it finished, with what its handler saved, on a Redis
// channel the app subscribes to: the log gets a "done" row after the "202 accepted" one, and
// GET /uploads lists the upload. Pub/sub drops news no app hears, which a live view can afford.
import type { DeliveryReport } from '@upload-webhooks/core'
import { Redis } from 'ioredis'
import { keepDelivery, type LoggedDelivery } from './delivery-log.js'
import { type Received, saveFailure, saveUpload } from './received.js'

export const NEWS_CHANNEL = 'upload-webhooks-example:job-news'

export interface JobNews {
  /** `done`: the handler ran; `dead-lettered`: BullMQ gave up on the job. */
  outcome: 'done' | 'dead-lettered'
  deliveryId: string
  sender: string
  type: string
  /** BullMQ's attempt number of the run that ended it: 0 first. */
  attempt: number
  /** When the router accepted the delivery, and when the worker ended it, ISO 8601. */
  receivedAt: string
  at: string
  /** What the handler saved, in the worker's process, for the app to show. */
  received: Received
  error?: string
}

export const publishJobNews = (client: Redis, news: JobNews): Promise<number> => client.publish(NEWS_CHANNEL, JSON.stringify(news))

/** Subscribes to the worker's news; `listening` resolves once subscribed. */
export function followJobNews(redisUrl: string, onNews: (news: JobNews) => void): { listening: Promise<void>; close(): void } {
  const subscriber = new Redis(redisUrl)
  subscriber.on('error', () => {}) // ioredis reconnects; the queue's own client reports an outage
  subscriber.on('message', (_channel: string, text: string) => {
    try {
      onNews(JSON.parse(text) as JobNews)
    } catch (error) {
      console.error(`[example-express] unreadable news from the worker: ${(error as Error).message}`)
    }
  })
  const listening = subscriber.subscribe(NEWS_CHANNEL).then(() => undefined)
  listening.catch(() => {}) // a closed app stops waiting
  return { listening, close: () => subscriber.disconnect() }
}

const seconds = (news: JobNews) => ((Date.parse(news.at) - Date.parse(news.receivedAt)) / 1000).toFixed(1)

/** Keeps the worker's saves for GET /uploads and a row for the page, without a terminal line. */
export function keepJobNews(news: JobNews): LoggedDelivery {
  for (const upload of news.received.uploads) saveUpload(upload)
  for (const failure of news.received.failures) saveFailure(failure)
  const done = news.outcome === 'done'
  const explanation = done
    ? `done: the worker ran the handler (BullMQ attempt ${news.attempt}), ${seconds(news)} s after the 202`
    : `dead-lettered: the worker gave up after BullMQ attempt ${news.attempt} (${news.error}); the sender's re-delivery is enqueued again`
  // The answer the sender got stays 202: this row says what became of it.
  const report: DeliveryReport = {
    at: news.at,
    status: 202,
    outcome: done ? 'processed' : 'error',
    sender: news.sender,
    type: news.type,
    deliveryId: news.deliveryId,
    durationMs: Date.parse(news.at) - Date.parse(news.receivedAt),
  }
  const row: LoggedDelivery = { ...report, explanation }
  return keepDelivery(row)
}

/** The app's `onNews`: kept as above, and one terminal line (dead letters at error). */
export function recordJobNews(news: JobNews): void {
  const row = keepJobNews(news)
  const line = `[worker] ${news.sender} ${news.type} ${news.deliveryId}: accepted → ${row.explanation}`
  if (news.outcome === 'done') console.info(line)
  else console.error(line)
}
