// A job as a worker receives it: JSON an engine carried, so checked field by field before any
// handler sees it. A malformed job never becomes valid by retrying, so the worker fails it for good.
import type { WebhookEvent } from '../senders/registry.js'
import type { DeferredJob } from './job.js'

/** Delivery IDs and sender names are bounded like the router's (a store key holds them). */
const MAX_ID = 512

const isText = (value: unknown, max = MAX_ID): value is string => typeof value === 'string' && value.length > 0 && value.length <= max

/** The job, or why it is not one (for the log; never echoes the payload). */
export function parseJob(data: unknown): DeferredJob | string {
  if (typeof data === 'string') {
    try {
      return parseJob(JSON.parse(data))
    } catch {
      return 'not JSON'
    }
  }
  if (typeof data !== 'object' || data === null) return 'not an object'
  const job = data as Record<string, unknown>
  if (job['v'] !== 1) return `unsupported version ${JSON.stringify(job['v'])} (this worker reads v: 1)`
  if (!isText(job['deliveryId'])) return '`deliveryId` is not a non-empty string'
  if (!isText(job['sender'], 64)) return '`sender` is not a non-empty string'
  if (!isText(job['type'])) return '`type` is not a non-empty string'
  if (!isText(job['receivedAt'], 64)) return '`receivedAt` is not a non-empty string'
  const event = job['event']
  if (typeof event !== 'object' || event === null || (event as WebhookEvent).type !== job['type']) {
    return "`event` is not an object of the job's `type`"
  }
  return data as DeferredJob
}
