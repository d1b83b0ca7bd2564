import type { RejectionReason } from './errors.js'
import type { AcceptedStatus, WebhookResult } from './types.js'

export type { AcceptedStatus } from './types.js'

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'
/** Anything but printable ASCII other than the quote and the backslash. */
const NEEDS_ESCAPING = /[^\x20\x21\x23-\x5b\x5d-\x7e]/

export function accepted(status: AcceptedStatus, deliveryId?: string): WebhookResult {
  return {
    status: 200,
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
export const storeUnavailable = (): WebhookResult => refused(503, 'store_unavailable', undefined, { 'retry-after': '5' })

/** A refusal: `{ status: 'rejected' | 'error', reason, message? }`. Never carries expected signatures or internals. */
export function refused(httpStatus: number, reason: RejectionReason, message?: string, headers?: Record<string, string>): WebhookResult {
  const kind = httpStatus >= 500 ? 'error' : 'rejected'
  return {
    status: httpStatus,
    headers: { 'content-type': JSON_CONTENT_TYPE, ...headers },
    outcome: reason,
    body: JSON.stringify(message === undefined ? { status: kind, reason } : { status: kind, reason, message }),
  }
}
