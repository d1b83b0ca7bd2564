/**
 * Machine-readable reasons the router puts in a rejection's JSON body (`{ status, reason }`),
 * with the HTTP status each is answered with. docs/architecture.md and the README list them all.
 */
export const REJECTION_REASONS = {
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  raw_body_unavailable: 500,
  missing_signature: 401,
  malformed_signature: 401,
  invalid_signature: 401,
  signature_expired: 401,
  signature_not_yet_valid: 401,
  wrong_issuer: 401,
  wrong_url: 401,
  body_hash_mismatch: 401,
  replayed_signature: 401,
  missing_delivery_id: 400,
  invalid_delivery_id: 400,
  malformed_json: 400,
  missing_event_type: 400,
  sender_not_allowed: 403,
  in_flight: 409,
  delivery_conflict: 409,
  handler_failed: 500,
  non_retryable: 422,
  store_unavailable: 503,
  enqueue_failed: 503,
} as const

export type RejectionReason = keyof typeof REJECTION_REASONS

/**
 * `instanceof` for our error classes that also recognises instances made by another copy of
 * this package: bundlers (Next builds instrumentation and each route apart) can load core twice,
 * and a handler's NonRetryableError must still be one. Subclasses keep ordinary semantics.
 */
export function brandedInstanceOf(cls: object, base: object, brand: symbol, value: unknown): boolean {
  if (cls !== base) return Function.prototype[Symbol.hasInstance].call(cls, value)
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true
}

const VERIFICATION = Symbol.for('@upload-webhooks/core.VerificationError')
const NON_RETRYABLE = Symbol.for('@upload-webhooks/core.NonRetryableError')
const CONFIG = Symbol.for('@upload-webhooks/core.WebhookConfigError')
const RAW_BODY = Symbol.for('@upload-webhooks/core.RawBodyUnavailableError')
const STORE_UNAVAILABLE = Symbol.for('@upload-webhooks/core.StoreUnavailableError')

/** Thrown by a verifier: the delivery is not authentic (401) or not addressable (400). */
export class VerificationError extends Error {
  override readonly name = 'VerificationError'
  readonly [VERIFICATION] = true
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brandedInstanceOf(this, VerificationError, VERIFICATION, value)
  }
  constructor(
    readonly reason: RejectionReason,
    message: string,
    readonly status: 401 | 400 = 401,
  ) {
    super(message)
  }
}

/**
 * Throw from a handler when retrying cannot help (a malformed upload, a deleted user).
 * The claim is released and the sender is told to stop: QStash gets 489 with
 * `Upstash-NonRetryable-Error: true` (the message goes to its DLQ), other senders 422.
 */
export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError'
  readonly [NON_RETRYABLE] = true
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brandedInstanceOf(this, NonRetryableError, NON_RETRYABLE, value)
  }
}

/** A mistake in how the router or an adapter is set up; thrown at construction, never per request. */
export class WebhookConfigError extends Error {
  override readonly name = 'WebhookConfigError'
  readonly [CONFIG] = true
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brandedInstanceOf(this, WebhookConfigError, CONFIG, value)
  }
}

/** The raw request body is gone (a body parser ran first); the message says how to fix the mounting. */
export class RawBodyUnavailableError extends Error {
  override readonly name = 'RawBodyUnavailableError'
  readonly [RAW_BODY] = true
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brandedInstanceOf(this, RawBodyUnavailableError, RAW_BODY, value)
  }
}

/** Raised by a store that cannot be reached; the router answers 503 (fail closed). */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError'
  readonly [STORE_UNAVAILABLE] = true
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brandedInstanceOf(this, StoreUnavailableError, STORE_UNAVAILABLE, value)
  }
}

/** An answer that refuses a delivery: what `Refusal` carries. Structurally a `WebhookResult`. */
export interface RefusalAnswer {
  status: number
  headers: Record<string, string>
  body: string
  outcome: RejectionReason
}

/**
 * How a step stops a delivery: it throws a Refusal carrying the answer, and the router returns it.
 * Only refusals travel this way; anything else thrown is a bug and propagates.
 */
export class Refusal extends Error {
  override readonly name = 'Refusal'
  constructor(readonly result: RefusalAnswer) {
    super(result.body)
  }
}

/** The body grew past `maxBodyBytes`; reading stopped there (413). Internal to the read step. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError'
}
