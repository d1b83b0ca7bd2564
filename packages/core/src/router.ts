import { BodyTooLargeError, readBody } from './body.js'
import { NonRetryableError, RawBodyUnavailableError, VerificationError, WebhookConfigError } from './errors.js'
import { decodeEvent } from './events/decode.js'
import type { KnownEvents, WebhookEvent } from './events/types.js'
import { getHeader } from './headers.js'
import { accepted, refused } from './result.js'
import { memoryStore } from './stores/memory.js'
import type {
  ClaimOutcome,
  DedupeStore,
  DeliveryBody,
  HeaderBag,
  Logger,
  RawDelivery,
  VerifiedDelivery,
  Verifier,
  WebhookResult,
} from './types.js'

/** What a handler gets besides the event. */
export interface HandlerContext extends VerifiedDelivery {
  /** Retry number as the sender reports it; 0 when it does not. */
  attempt: number
  /** Name of the verifier that accepted the delivery. */
  sender: string
  /** Request headers, as the adapter passed them. */
  headers: HeaderBag
  /** The verified raw body, as text. */
  rawBody: string
  logger: Logger
}

export type Handler<E = WebhookEvent> = (event: E, context: HandlerContext) => unknown | Promise<unknown>

/** Handlers keyed by event type; known types get typed events, any other type a generic one. */
// biome-ignore lint/suspicious/noExplicitAny: an unknown type's handler may narrow the event itself
export type WebhookHandlers = { [K in keyof KnownEvents]?: Handler<KnownEvents[K]> } & { [type: string]: Handler<any> | undefined }

export interface DedupeOptions {
  /** First part of every store key (`<prefix>:<verifier>:<deliveryId>`). Default: `'upload-webhooks'`. */
  keyPrefix?: string
  /**
   * How long a claim locks a delivery while its handler runs, in seconds; a crashed worker's
   * claim expires after it and the sender's retry runs the handler again. Keep handlers well
   * inside it and inside the sender's answer window (QStash 30 s, Sonuslab 10 s): hand long
   * work to a queue and return. Default: 30 (expires before Sonuslab's last retry, ~36 s in).
   */
  lockSeconds?: number
  /** How long a processed delivery is remembered, in seconds. Default: 266 400 (74 h: Uploadcare retries for 72 h). */
  ttlSeconds?: number
}

export interface ErrorContext {
  /** Which step failed. */
  phase: 'handler' | 'store' | 'unknown-event'
  deliveryId?: string
  event?: WebhookEvent
}

export interface WebhookRouterOptions {
  /** How deliveries are verified: one verifier, or several (the one whose signature header is present is used). Required. */
  verify: Verifier | readonly Verifier[]
  /** Handlers keyed by event type. Unknown types are answered 200 `ignored` and never touch the store. Required. */
  handlers: WebhookHandlers
  /** Dedupe store. Default: `memoryStore()` (one process only; warns when `NODE_ENV=production`). */
  store?: DedupeStore
  /** Dedupe key and timing. Defaults: see each field. */
  dedupe?: DedupeOptions
  /** When the store is unreachable: `'reject'` answers 503 so the sender retries (fail closed); `'process'` runs the handler without dedupe. Default: `'reject'`. */
  onStoreError?: 'reject' | 'process'
  /**
   * Public URL of this endpoint, as the sender addresses it (QStash checks it against the token's `sub`).
   * Default: the request URL as the adapter rebuilt it; behind a proxy that rewrites the host, set this
   * (or enable your framework's trust-proxy setting).
   */
  url?: string
  /** Largest body accepted, in bytes; reading stops past it (413). Default: 1 048 576 (1 MiB). */
  maxBodyBytes?: number
  /** Called for a verified event with no handler, before the 200 `ignored` answer. Default: none. */
  onUnknownEvent?: (event: WebhookEvent, context: HandlerContext) => void | Promise<void>
  /** Called when a handler throws or the store fails (after the claim is released). Default: none. */
  onError?: (error: unknown, context: ErrorContext) => void
  /** Where warnings and errors go. Default: `console`. */
  logger?: Logger
}

export interface WebhookRouter {
  /** Web-standard entry: for Next, Hono, Workers, Bun, Deno, h3 v2. */
  handle(request: Request): Promise<Response>
  /** Adapter entry: one raw delivery in, one result out. */
  receive(delivery: RawDelivery): Promise<WebhookResult>
}

const MiB = 1024 * 1024
const STORE_RETRY_AFTER = '5'
const JSON_TYPE = /^(application\/(?:[\w.+-]+\+)?json|text\/json)\s*(?:;|$)/i

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0)
    throw new WebhookConfigError(`createWebhookRouter(): ${name} must be a positive number, got ${value}`)
  return value
}

/** Builds the verified, deduping event router every adapter wraps. */
export function createWebhookRouter(options: WebhookRouterOptions): WebhookRouter {
  const verifiers: readonly Verifier[] = Array.isArray(options.verify) ? options.verify : options.verify ? [options.verify as Verifier] : []
  if (verifiers.length === 0) {
    throw new WebhookConfigError('createWebhookRouter(): `verify` is required, e.g. verify: qstash() or [qstash(), uploadcare()]')
  }
  if (!options.handlers || typeof options.handlers !== 'object') {
    throw new WebhookConfigError('createWebhookRouter(): `handlers` is required, e.g. handlers: { onUploadComplete: async (event) => {} }')
  }
  const handlers = options.handlers
  const store = options.store ?? memoryStore()
  const logger: Logger = options.logger ?? console
  const maxBodyBytes = positive('maxBodyBytes', options.maxBodyBytes, MiB)
  const keyPrefix = options.dedupe?.keyPrefix ?? 'upload-webhooks'
  const lockSeconds = Math.ceil(positive('dedupe.lockSeconds', options.dedupe?.lockSeconds, 30))
  const ttlSeconds = Math.ceil(positive('dedupe.ttlSeconds', options.dedupe?.ttlSeconds, 74 * 3600))
  const failOpen = options.onStoreError === 'process'
  const expectedHeaders = verifiers.map((v) => v.name).join(', ')

  const reportError = (error: unknown, context: ErrorContext) => {
    try {
      options.onError?.(error, context)
    } catch (hookError) {
      logger.error('[upload-webhooks] onError threw', { error: hookError })
    }
  }

  async function runHandler(
    // biome-ignore lint/suspicious/noExplicitAny: handlers are typed per event type at the map, not here
    handler: Handler<any>,
    event: WebhookEvent,
    context: HandlerContext,
    verifier: Verifier,
    key: string,
    token: string | undefined,
  ): Promise<WebhookResult> {
    try {
      await handler(event, context)
    } catch (error) {
      if (token !== undefined) {
        // Give the claim back so the sender's retry runs the handler again.
        await store.release(key, token).catch((storeError: unknown) => {
          logger.error('[upload-webhooks] could not release a claim; it expires after lockSeconds', { key, error: storeError })
        })
      }
      reportError(error, { phase: 'handler', deliveryId: context.deliveryId, event })
      if (error instanceof NonRetryableError) {
        logger.warn('[upload-webhooks] handler refused the delivery; the sender is told not to retry', {
          deliveryId: context.deliveryId,
          type: event.type,
          message: error.message,
        })
        return refused(
          verifier.nonRetryableStatus ?? 422,
          'non_retryable',
          undefined,
          verifier.nonRetryableHeaders ? { ...verifier.nonRetryableHeaders } : undefined,
        )
      }
      logger.error('[upload-webhooks] handler failed; the sender will retry', { deliveryId: context.deliveryId, type: event.type, error })
      return refused(500, 'handler_failed')
    }
    if (token !== undefined) {
      // The effect happened: answer 200 even if the commit fails (the sender then does not retry).
      await store.commit(key, token, ttlSeconds).catch((storeError: unknown) => {
        logger.error('[upload-webhooks] could not mark a delivery done; retrying while its claim lasts', { key, error: storeError })
        reportError(storeError, { phase: 'store', deliveryId: context.deliveryId, event })
        retryCommit(key, token)
      })
    }
    return accepted('processed', context.deliveryId)
  }

  /**
   * After a failed commit the claim still locks the delivery for up to `lockSeconds`; if the store
   * comes back (with its data) within that time, writing `done` keeps a later duplicate from running
   * the handler a second time. Runs in the background (the 200 is not held back) and stops at the
   * first answer: commit is compare-and-set, so an expired or taken-over claim is left alone.
   */
  function retryCommit(key: string, token: string) {
    const deadline = Date.now() + lockSeconds * 1000
    let delay = 100
    const schedule = () => {
      if (Date.now() + delay > deadline) return
      const timer = setTimeout(() => {
        store.commit(key, token, ttlSeconds).then(
          (committed) => committed && logger.info?.('[upload-webhooks] marked a delivery done after the store came back', { key }),
          () => {
            delay = Math.min(delay * 2, 2000)
            schedule()
          },
        )
      }, delay)
      // Never keeps a Node process alive just for this.
      ;(timer as { unref?: () => void }).unref?.()
    }
    schedule()
  }

  async function receive(delivery: RawDelivery): Promise<WebhookResult> {
    if (delivery.method !== 'POST') return refused(405, 'method_not_allowed', undefined, { allow: 'POST' })
    const { headers } = delivery
    const contentType = getHeader(headers, 'content-type')
    if (contentType !== undefined && !JSON_TYPE.test(contentType)) {
      return refused(415, 'unsupported_media_type', 'webhook bodies must be JSON')
    }
    const declaredLength = Number(getHeader(headers, 'content-length'))
    if (declaredLength > maxBodyBytes) return refused(413, 'payload_too_large', undefined, { connection: 'close' })

    let body: DeliveryBody
    try {
      body = await readBody(delivery.body, maxBodyBytes)
    } catch (error) {
      if (error instanceof BodyTooLargeError) return refused(413, 'payload_too_large', undefined, { connection: 'close' })
      if (error instanceof RawBodyUnavailableError) {
        logger.error(`[upload-webhooks] ${error.message}`)
        return refused(500, 'raw_body_unavailable', error.message)
      }
      throw error
    }

    const verifier = verifiers.length === 1 ? verifiers[0]! : verifiers.find((v) => v.matches(headers))
    if (!verifier) return refused(401, 'missing_signature', `no signature header for: ${expectedHeaders}`)
    let verified: VerifiedDelivery
    try {
      verified = await verifier.verify({ method: delivery.method, url: options.url ?? delivery.url, headers, body })
    } catch (error) {
      if (error instanceof VerificationError) {
        logger.debug?.('[upload-webhooks] delivery rejected', { verifier: verifier.name, reason: error.reason })
        return refused(error.status, error.reason, error.message)
      }
      logger.error('[upload-webhooks] verifier threw; rejecting the delivery', { verifier: verifier.name, error })
      return refused(401, 'invalid_signature')
    }

    let payload: unknown
    try {
      payload = JSON.parse(body.text)
    } catch {
      return refused(400, 'malformed_json', 'the body is not valid JSON')
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      return refused(400, 'malformed_json', 'the body must be a JSON object')
    }
    const event = (verifier.toEvent ?? decodeEvent)(payload as Record<string, unknown>, headers)
    if (!event) return refused(400, 'missing_event_type', 'no event type in the body')
    event.sender = verifier.name

    // Not `{ ...verified, attempt, ... }`: V8 (Node 20) builds a spread-first literal as a clone and
    // every property added after it takes a slow path, ~3 µs per delivery. `verified` comes from
    // verifier code, not from the payload, so Object.assign's setters are no concern here.
    const context: HandlerContext = Object.assign({}, verified, {
      attempt: verified.attempt ?? 0,
      sender: verifier.name,
      headers,
      rawBody: body.text,
      logger,
    })
    // Own properties only: an event typed "constructor" or "__proto__" must not reach Object.prototype.
    const handler = Object.hasOwn(handlers, event.type) ? handlers[event.type] : undefined
    if (typeof handler !== 'function') {
      try {
        await options.onUnknownEvent?.(event, context)
      } catch (error) {
        reportError(error, { phase: 'unknown-event', deliveryId: verified.deliveryId, event })
      }
      return accepted('ignored', verified.deliveryId)
    }

    const key = `${keyPrefix}:${verifier.name}:${verified.deliveryId}`
    const token = `claim:${crypto.randomUUID()}`
    let outcome: ClaimOutcome
    try {
      outcome = await store.claim(key, token, lockSeconds)
    } catch (error) {
      reportError(error, { phase: 'store', deliveryId: verified.deliveryId, event })
      if (!failOpen) {
        logger.error('[upload-webhooks] dedupe store unreachable; answering 503 so the sender retries', { error })
        return refused(503, 'store_unavailable', undefined, { 'retry-after': STORE_RETRY_AFTER })
      }
      logger.warn('[upload-webhooks] dedupe store unreachable; processing without dedupe (onStoreError: process)', { error })
      return runHandler(handler, event, context, verifier, key, undefined)
    }
    if (outcome.state === 'done') return accepted('duplicate', verified.deliveryId)
    if (outcome.state === 'in-flight') {
      return refused(409, 'in_flight', 'this delivery is being processed', { 'retry-after': String(outcome.retryAfterSeconds) })
    }
    return runHandler(handler, event, context, verifier, key, token)
  }

  return {
    receive,
    async handle(request) {
      const result = await receive({ method: request.method, url: request.url, headers: request.headers, body: request.body })
      return new Response(result.body, { status: result.status, headers: result.headers })
    },
  }
}
