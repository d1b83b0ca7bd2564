// The `onDelivery` observer: one report per request, whatever its answer, for audit logs,
// metrics and live views. Its policy lives here: what a report holds (never the body or a
// secret), how an answer maps to an outcome, and that a failing observer cannot change the answer.
import type { RejectionReason } from './errors.js'
import { isPromiseLike } from './runtime.js'
import type { DeliveryRecord } from './telemetry.js'
import type { Logger, WebhookResult } from './types.js'

/**
 * What became of a request, by its answer:
 * - `processed`, `duplicate`, `ignored`: the 200 answers of the same names;
 * - `rejected`: any 4xx, `reason` says which. Besides refusals of authenticity (401) and of
 *   form (400, 405, 413, 415), this covers the 409s (`in_flight`, `delivery_conflict`), which
 *   the sender may retry, and a handler's `NonRetryableError` (`non_retryable`);
 * - `error`: any 5xx (a handler that threw, an unreachable store, an unreadable body), and a bug
 *   thrown out of the router, reported as 500 with no `reason`;
 * - `accepted`: the 202 of a delivery handed to a durable engine (`defer`), to run later.
 */
export type DeliveryVerdict = 'processed' | 'duplicate' | 'ignored' | 'rejected' | 'error' | 'accepted'

/** One request as `onDelivery` sees it: never the body, a header or a secret. */
export interface DeliveryReport {
  /** When the request reached the router, as ISO 8601 (UTC). */
  at: string
  /** The HTTP status answered. */
  status: number
  outcome: DeliveryVerdict
  /** The refusal's reason code (`invalid_signature`, `in_flight`, ...), on every non-2xx answer the router made. */
  reason?: RejectionReason
  /** The verifier's name (`qstash`, ...), once the delivery is authentic. */
  sender?: string
  /** The event type, once the body is decoded. */
  type?: string
  /** The delivery ID, once the delivery is authentic and the ID within bounds (the ID 2xx answers echo). */
  deliveryId?: string
  /** The sender's retry number (0 = first attempt), once the delivery is authentic. */
  attempt?: number
  /** From the request reaching the router to its answer, handler included, in milliseconds. */
  durationMs: number
}

/** Called once per request with its report. Keep it fast: the answer waits for it. */
export type DeliveryObserver = (report: DeliveryReport) => void

type Work = (record: DeliveryRecord) => Promise<WebhookResult>

const ACCEPTED: ReadonlySet<string> = new Set(['processed', 'duplicate', 'ignored', 'accepted'])

function outcomeOf(result: WebhookResult): Pick<DeliveryReport, 'outcome' | 'reason'> {
  if (ACCEPTED.has(result.outcome)) return { outcome: result.outcome as DeliveryVerdict }
  return { outcome: result.status >= 500 ? 'error' : 'rejected', reason: result.outcome as RejectionReason }
}

function reportOf(at: Date, started: number, record: DeliveryRecord, result: WebhookResult | undefined): DeliveryReport {
  const report: DeliveryReport = result
    ? { at: at.toISOString(), status: result.status, ...outcomeOf(result), durationMs: 0 }
    : { at: at.toISOString(), status: 500, outcome: 'error', durationMs: 0 }
  if (record.sender !== undefined) report.sender = record.sender
  if (record.eventType !== undefined) report.type = record.eventType
  if (record.deliveryId !== undefined) report.deliveryId = record.deliveryId
  if (record.attempt !== undefined) report.attempt = record.attempt
  report.durationMs = Math.round((performance.now() - started) * 1000) / 1000
  return report
}

function notify(observer: DeliveryObserver, report: DeliveryReport, logger: Logger): void {
  const failed = (error: unknown) => logger.error('[upload-webhooks] onDelivery threw; the answer is unchanged', { error })
  try {
    const returned = observer(report) as unknown
    // An async observer's rejection would otherwise be unhandled and could end the process.
    if (isPromiseLike(returned)) Promise.resolve(returned).catch(failed)
  } catch (error) {
    failed(error)
  }
}

/**
 * Wraps the request path so `observer` sees every request once; undefined without an observer,
 * so a router without one pays nothing (no clock read, no record, no closure).
 */
export function observing(observer: DeliveryObserver | undefined, logger: Logger): ((work: Work) => Promise<WebhookResult>) | undefined {
  if (observer === undefined) return undefined
  return async (work) => {
    const at = new Date()
    const started = performance.now()
    const record: DeliveryRecord = {}
    let result: WebhookResult
    try {
      result = await work(record)
    } catch (error) {
      notify(observer, reportOf(at, started, record, undefined), logger)
      throw error
    }
    notify(observer, reportOf(at, started, record, result), logger)
    return result
  }
}
