// The answer step: the exactly-once outcome as an HTTP answer, with the log line and the
// onError report each outcome deserves. docs/architecture.md lists every status and reason.
import { NonRetryableError } from '../errors.js'
import type { DeliveryOutcome } from '../exactly-once.js'
import { accepted, refused, storeUnavailable } from '../result.js'
import type { RouterSettings } from '../router-options.js'
import type { WebhookEvent } from '../senders/registry.js'
import type { Verifier, WebhookResult } from '../types.js'

export function answer(
  outcome: DeliveryOutcome,
  deliveryId: string,
  event: WebhookEvent,
  verifier: Verifier,
  settings: RouterSettings,
): WebhookResult {
  const { logger } = settings
  switch (outcome.kind) {
    case 'processed':
      return accepted('processed', deliveryId)
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
