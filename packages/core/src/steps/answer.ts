// The answer step, and every answer the router gives: accepted ones, refusals a step throws, and
// the exactly-once outcome as status, headers and JSON, with the log line and the onError report
// each outcome deserves. docs/architecture.md, "Answers", lists every status and reason.
import { NonRetryableError, Refusal, type RefusalAnswer, type RejectionReason } from '../errors.js'
import type { WebhookEvent } from '../senders/registry.js'
import type { AcceptedStatus, Logger, Verifier, WebhookResult } from '../types.js'
import type { DeliveryOutcome } from './exactly-once.js'

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'
/** Anything but printable ASCII other than the quote and the backslash. */
const NEEDS_ESCAPING = /[^\x20\x21\x23-\x5b\x5d-\x7e]/

export function accepted(status: AcceptedStatus, deliveryId?: string): WebhookResult {
  return {
    status: status === 'accepted' ? 202 : 200,
    // A literal, not a spread of shared headers: every delivery's answer, and V8 copies a literal's boilerplate whole.
    headers: { 'content-type': JSON_CONTENT_TYPE },
    outcome: status,
    // Delivery IDs are printable (the authenticate step refuses the rest): only quotes and
    // backslashes need JSON's escaping, and most IDs have neither.
    body:
      deliveryId === undefined
        ? `{"status":"${status}"}`
        : NEEDS_ESCAPING.test(deliveryId)
          ? JSON.stringify({ status, deliveryId })
          : `{"status":"${status}","deliveryId":"${deliveryId}"}`,
  }
}

/** The store did not answer: 503 so the sender retries, with when to come back. */
export const storeUnavailable = (): RefusalAnswer => refused(503, 'store_unavailable', undefined, { 'retry-after': '5' })

/** A refusal: `{ status: 'rejected' | 'error', reason, message? }`. Never carries expected signatures or internals. */
export function refused(httpStatus: number, reason: RejectionReason, message?: string, headers?: Record<string, string>): RefusalAnswer {
  const kind = httpStatus >= 500 ? 'error' : 'rejected'
  return {
    status: httpStatus,
    headers: { 'content-type': JSON_CONTENT_TYPE, ...headers },
    outcome: reason,
    body: JSON.stringify(message === undefined ? { status: kind, reason } : { status: kind, reason, message }),
  }
}

/** Stops the delivery with `status` and a machine-readable `reason`. */
export function refuse(status: number, reason: RejectionReason, message?: string, headers?: Record<string, string>): never {
  throw refusal(status, reason, message, headers)
}

/** The Refusal for `status` and `reason`, for a step that rejects a promise with it. */
export function refusal(status: number, reason: RejectionReason, message?: string, headers?: Record<string, string>): Refusal {
  return new Refusal(refused(status, reason, message, headers))
}

/** What the answer step reports through: the router's logger and its shielded `onError`. */
export interface Reporting {
  logger: Logger
  reportError(error: unknown, context: { phase: 'handler'; deliveryId: string; event: WebhookEvent }): void
}

/**
 * The exactly-once outcome as an answer. `deferred`: the effect was the engine's acknowledgement,
 * so success is 202 `accepted` and a failure 503 `enqueue_failed` (the sender retries).
 */
export function answer(
  outcome: DeliveryOutcome,
  deliveryId: string,
  event: WebhookEvent,
  verifier: Verifier,
  settings: Reporting,
  deferred = false,
): WebhookResult {
  const { logger } = settings
  switch (outcome.kind) {
    case 'processed':
      return accepted(deferred ? 'accepted' : 'processed', deliveryId)
    case 'duplicate':
      return accepted('duplicate', deliveryId)
    case 'in-flight':
      return refused(409, 'in_flight', 'this delivery is being processed', { 'retry-after': String(outcome.retryAfterSeconds) })
    case 'conflict':
      logger.error('[upload-webhooks] a delivery ID already recorded for another body arrived; refused without running its handler', {
        deliveryId,
        sender: verifier.name,
        type: event.type,
      })
      return refused(409, 'delivery_conflict', 'this delivery ID was already used for a different body')
    case 'replayed':
      logger.warn('[upload-webhooks] a signed delivery came again under another delivery ID; refused as a replay', {
        sender: verifier.name,
      })
      return refused(401, 'replayed_signature', 'this signature was already used by another delivery')
    case 'store-unavailable':
      logger.error('[upload-webhooks] dedupe store unreachable; answering 503 so the sender retries', { error: outcome.error })
      return storeUnavailable()
    case 'failed':
      settings.reportError(outcome.error, { phase: 'handler', deliveryId, event })
      if (deferred) {
        logger.error('[upload-webhooks] could not hand the delivery to its queue; answered 503 so the sender retries', {
          deliveryId,
          type: event.type,
          error: outcome.error,
        })
        return refused(503, 'enqueue_failed', 'the delivery could not be queued; retry later', { 'retry-after': '5' })
      }
      if (outcome.error instanceof NonRetryableError) {
        logger.warn('[upload-webhooks] handler refused the delivery; the sender is told not to retry', {
          deliveryId,
          type: event.type,
          message: outcome.error.message,
        })
        return refused(
          verifier.nonRetryableStatus ?? 422,
          'non_retryable',
          undefined,
          verifier.nonRetryableHeaders ? { ...verifier.nonRetryableHeaders } : undefined,
        )
      }
      logger.error('[upload-webhooks] handler failed; the sender will retry', { deliveryId, type: event.type, error: outcome.error })
      return refused(500, 'handler_failed')
  }
}
