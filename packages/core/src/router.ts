// The router: one delivery through named steps, top to bottom (docs/architecture.md, "Request
// path"). Policy lives in the steps; this file only composes them.
import { base64Url, sha256Base64Url } from '#crypto'
import { toWebResponse } from './adapter/response.js'
import { randomId } from './encoding.js'
import { nowSeconds } from './env.js'
import { type DeliveryClaim, exactlyOnce } from './exactly-once.js'
import type { HandlerContext } from './handlers.js'
import { andThen, type MaybeAsync } from './maybe-async.js'
import { observing } from './observe.js'
import { accepted, storeUnavailable } from './result.js'
import { type RouterSettings, resolveSettings, type WebhookRouterOptions } from './router-options.js'
import type { WebhookEvent } from './senders/registry.js'
import { answer } from './steps/answer.js'
import { authenticate } from './steps/authenticate.js'
import { decode } from './steps/decode.js'
import { preflight } from './steps/preflight.js'
import { missingRawBody, read, readFailure } from './steps/read.js'
import { Refusal } from './steps/refusal.js'
import { route as routeFor } from './steps/route.js'
import { claimToken, joined } from './stores/protocol.js'
import { type DeliveryRecord, type Instruments, loadTelemetry, timedHandler, timedStore } from './telemetry.js'
import type { DeliveryBody, HeaderBag, Logger, RawDelivery, VerifiedDelivery, Verifier, WebhookResult } from './types.js'

export type { EventsOf, Handler, HandlerContext, HandlersFor, VerifyOption, WebhookHandlers } from './handlers.js'

import type { VerifyOption } from './handlers.js'

export type { DedupeOptions, ErrorContext, WebhookRouterOptions } from './router-options.js'

export interface WebhookRouter {
  /** Web-standard entry: for Next, Hono, Workers, Bun, Deno, h3 v2. */
  handle(request: Request): Promise<Response>
  /** Adapter entry: one raw delivery in, one result out. */
  receive(delivery: RawDelivery): Promise<WebhookResult>
}

const BODY_ALREADY_READ = 'the Request body was already read before router.handle(): pass the request untouched'

/** Builds the verified, deduping event router every adapter wraps. */
export function createWebhookRouter<const V extends VerifyOption>(options: WebhookRouterOptions<V>): WebhookRouter {
  const settings = resolveSettings(options as unknown as WebhookRouterOptions)
  const { logger } = settings
  const route = routeFor(settings.handlers, settings.verifiers, logger)
  const unreadable = readFailure(logger)
  const unknownTypes = new Set<string>()
  const onceOptions = {
    store: settings.store,
    lockSeconds: settings.lockSeconds,
    ttlSeconds: settings.ttlSeconds,
    failOpen: settings.failOpen,
    logger,
  }
  const once = exactlyOnce(onceOptions)
  const watch = observing(settings.onDelivery, logger)
  let instruments: Instruments | undefined
  loadTelemetry((loaded) => {
    instruments = loaded
    onceOptions.store = timedStore(settings.store, loaded)
  })

  // Not `async`: a layer that only passes on the steps' promise would cost another promise and turn.
  function receive(delivery: RawDelivery): Promise<WebhookResult> {
    const active = instruments
    if (watch)
      return watch((record) =>
        active ? active.traceDelivery(() => steps(delivery, active, record), record) : steps(delivery, undefined, record),
      )
    return active ? active.traceDelivery((record) => steps(delivery, active, record)) : steps(delivery)
  }

  /**
   * The request path (docs/architecture.md, "Request path"); `record` collects what the span
   * and the `onDelivery` report say, as soon as each fact is known (a later refusal keeps them). A step answers at once when it can (bytes already read, node:crypto): only a real
   * promise is awaited, so a delivery costs a microtask turn where it waits, not at every step.
   */
  async function steps(delivery: RawDelivery, telemetry?: Instruments, record?: DeliveryRecord): Promise<WebhookResult> {
    try {
      preflight(delivery, settings.maxBodyBytes)
      const reading = read(delivery.body, settings.maxBodyBytes, unreadable)
      const body = reading instanceof Promise ? await reading : reading
      const authenticating = authenticate(delivery, body, settings.verifiers, settings.publicUrl, logger)
      const { verifier, verified } = authenticating instanceof Promise ? await authenticating : authenticating
      if (record) {
        record.sender = verifier.name
        record.deliveryId = verified.deliveryId
        record.attempt = verified.attempt ?? 0
      }
      const event = decode(body, verifier, delivery.headers)
      if (record) record.eventType = event.type
      const context = handlerContext(verified, verifier, delivery.headers, body, logger)
      const target = route(event.type, verifier)
      if (target.kind === 'ignored') return await ignore(event, context, settings, unknownTypes)
      const report = (error: unknown) => settings.reportError(error, { phase: 'store', deliveryId: verified.deliveryId, event })
      if (target.kind === 'doctor') return await probe(settings, verifier, verified, (claim) => once.probe(claim, report))
      const claiming = deliveryClaim(settings, verifier, verified, body)
      const claim = claiming instanceof Promise ? await claiming : claiming
      const run = () => target.handler(event, context)
      const running = once.run(claim, telemetry && record ? () => timedHandler(telemetry, record, run) : run, report)
      const outcome = running instanceof Promise ? await running : running
      return answer(outcome, verified.deliveryId, event, verifier, settings)
    } catch (error) {
      if (error instanceof Refusal) return error.result
      throw error
    }
  }

  return {
    receive,
    async handle(request) {
      const body = request.bodyUsed ? missingRawBody(BODY_ALREADY_READ) : request.body
      const result = await receive({ method: request.method, url: request.url, headers: request.headers, body })
      return toWebResponse(result)
    },
  }
}

function handlerContext(
  verified: VerifiedDelivery,
  verifier: Verifier,
  headers: HeaderBag,
  body: DeliveryBody,
  logger: Logger,
): HandlerContext {
  // Not `{ ...verified, attempt, ... }`: V8 builds a spread-first literal as a clone and every
  // property added after it takes a slow path; nor a second Object.assign source, a literal made
  // only to be copied key by key. `verified` comes from verifier code, not from the payload, so
  // Object.assign's setters are no concern here.
  const context = Object.assign({}, verified) as HandlerContext
  context.attempt = verified.attempt ?? 0
  context.sender = verifier.name
  context.headers = headers
  context.rawBody = body.text
  context.logger = logger
  return context
}

/** Unknown types logged once each, up to this many: a sender cannot grow the set without bound. */
const MAX_LOGGED_UNKNOWN_TYPES = 100

async function ignore(event: WebhookEvent, context: HandlerContext, settings: RouterSettings, logged: Set<string>): Promise<WebhookResult> {
  if (!logged.has(event.type) && logged.size < MAX_LOGGED_UNKNOWN_TYPES) {
    logged.add(event.type)
    settings.logger.info?.(
      `[upload-webhooks] no handler for ${JSON.stringify(event.type.slice(0, 100))} from ${event.sender}: answered 200 ignored`,
      {
        handlers: Object.keys(settings.handlers),
      },
    )
  }
  try {
    await settings.onUnknownEvent?.(event, context)
  } catch (error) {
    settings.reportError(error, { phase: 'unknown-event', deliveryId: context.deliveryId, event })
  }
  return accepted('ignored', context.deliveryId)
}

/**
 * Claim tokens only need to be unique: a random per-process prefix and a counter, not a UUID each.
 * 72 random bits tell processes apart; the memory store keeps every token, so each byte counts.
 * Drawn on first use, not at import: workerd refuses randomness in global scope.
 */
let claimPrefix: string | undefined
let claims = 0
const nextClaimId = () => {
  claimPrefix ??= base64Url(crypto.getRandomValues(new Uint8Array(9)))
  return `${claimPrefix}${(claims++).toString(36)}`
}

/**
 * Where this delivery lives in the store: its key, a token bound to the body, and its replay nonce.
 * Delivery keys are `<prefix>:…` and our own keys `<prefix>~…`: a delivery ID is unsigned text, so
 * no ID can name a nonce or probe key (docs/architecture.md, "Dedupe protocol").
 */
function deliveryClaim(
  settings: RouterSettings,
  verifier: Verifier,
  verified: VerifiedDelivery,
  body: DeliveryBody,
): MaybeAsync<DeliveryClaim> {
  // The verifier's own hash when it made one (QStash, and every sender keyed by its body).
  if (verified.bodyHash !== undefined) return claimFor(settings, verifier, verified, verified.bodyHash)
  return andThen(sha256Base64Url(body.bytes), (fingerprint) => claimFor(settings, verifier, verified, fingerprint))
}

function claimFor(settings: RouterSettings, verifier: Verifier, verified: VerifiedDelivery, fingerprint: string): DeliveryClaim {
  const space = settings.keySpaces.get(verifier)!
  const claim: DeliveryClaim = {
    key: joined(space.deliveries, verified.deliveryId),
    token: claimToken(fingerprint, nextClaimId()),
  }
  const nonce = verified.replayNonce
  if (nonce)
    claim.nonce = {
      key: joined(space.nonces, nonce.value),
      owner: verified.deliveryId,
      ttlSeconds: Math.max(1, nonce.expiresAt - nowSeconds() + 1),
    }
  return claim
}

/** `upload-webhooks doctor`: verified, the store probed with a throwaway claim, no handler, nothing kept. */
async function probe(
  settings: RouterSettings,
  verifier: Verifier,
  verified: VerifiedDelivery,
  run: (claim: DeliveryClaim) => Promise<boolean>,
): Promise<WebhookResult> {
  const key = joined(settings.keySpaces.get(verifier)!.probes, randomId(''))
  if (await run({ key, token: claimToken('doctor', randomId('')) })) return accepted('ignored', verified.deliveryId)
  return storeUnavailable()
}
