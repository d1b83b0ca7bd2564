// The route step: the verified bytes as the sender's event (each verifier decodes only its own
// format, no guessing across senders), then the handler for its type, if this sender may reach it.
// A type belongs to the configured senders that declare it (docs/architecture.md, "Who may reach a
// handler"): an authentic delivery from another sender naming it is refused, never answered 2xx
// unrun. A handler run inline that nears the sender's answer budget is said, naming `defer`.

import { typeFieldEvent } from '../events/normalise.js'
import type { Handler, HandlerContext, WebhookHandlers } from '../handlers.js'
import { isPromiseLike } from '../runtime.js'
import type { WebhookEvent } from '../senders/registry.js'
import type { DeliveryBody, HeaderBag, Logger, VerifiedDelivery, Verifier, WebhookResult } from '../types.js'
import { accepted, refuse } from './answer.js'

/** The event type `upload-webhooks doctor` sends: verified, store probed, no handler, nothing kept. */
export const DOCTOR_EVENT = 'upload-webhooks.doctor'

export type Route = { kind: 'handler'; handler: Handler } | { kind: 'doctor' } | { kind: 'ignored' }

const DOCTOR: Route = Object.freeze({ kind: 'doctor' })
const IGNORED: Route = Object.freeze({ kind: 'ignored' })

/** The body as JSON, then as the verifier's own sender's event; throws a Refusal (400). */
export function decode(body: DeliveryBody, verifier: Verifier, headers: HeaderBag): WebhookEvent {
  let payload: unknown
  try {
    payload = JSON.parse(body.text)
  } catch {
    refuse(400, 'malformed_json', 'the body is not valid JSON')
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
    refuse(400, 'malformed_json', 'the body must be a JSON object')
  const event = (verifier.toEvent ?? typeFieldEvent)(payload as Record<string, unknown>, headers)
  if (!event) refuse(400, 'missing_event_type', 'no event type in the body')
  event.sender = verifier.name
  return event
}

/** A handled type and the configured senders that declare it: only they reach its handler. */
interface Scoped {
  kind: 'scoped'
  type: string
  owners: readonly string[]
}

/** The configured senders that declare `type`; none means every configured sender may send it. */
export function ownersOf(type: string, verifiers: readonly Verifier[]): readonly Verifier[] {
  return verifiers.filter((verifier) => verifier.events?.includes(type))
}

/**
 * Each configured sender's routes, made once: a Map per sender, so an event typed "constructor"
 * or "__proto__" never reaches Object.prototype, and only functions, as `handlers` held them.
 */
function routeTables(handlers: WebhookHandlers, verifiers: readonly Verifier[]): Map<Verifier, Map<string, Route | Scoped>> {
  const tables = new Map(verifiers.map((verifier) => [verifier, new Map<string, Route | Scoped>()]))
  for (const [type, handler] of Object.entries(handlers)) {
    if (typeof handler !== 'function') continue
    const route: Route = { kind: 'handler', handler }
    const owners = ownersOf(type, verifiers)
    const scoped: Scoped = { kind: 'scoped', type, owners: owners.map((owner) => owner.name) }
    for (const [verifier, table] of tables) table.set(type, owners.length === 0 || owners.includes(verifier) ? route : scoped)
  }
  return tables
}

export function route(
  handlers: WebhookHandlers,
  verifiers: readonly Verifier[],
  logger: Logger,
): (type: string, verifier: Verifier) => Route {
  const tables = routeTables(handlers, verifiers)
  const logged = new Set<string>()
  return (type, verifier) => {
    if (type === DOCTOR_EVENT) return DOCTOR
    const found = tables.get(verifier)?.get(type) ?? IGNORED
    if (found.kind !== 'scoped') return found
    // Answered non-2xx so the sender retries and, in the end, dead-letters it where a person looks.
    if (!logged.has(`${verifier.name} ${type}`)) {
      logged.add(`${verifier.name} ${type}`)
      logger.error(
        `[upload-webhooks] ${verifier.name} sent a "${type}" event, whose handler only ${found.owners.join(', ')} may reach: ` +
          `answered 403 sender_not_allowed so the sender retries. To run the handler for ${verifier.name}'s deliveries too, ` +
          `declare the type on its verifier: events: ['${type}'].`,
      )
    }
    return refuse(403, 'sender_not_allowed', 'this sender may not deliver this event type to this endpoint')
  }
}

/** What a handler gets besides the event: the verified delivery, its sender, headers and raw body. */
export function handlerContext(
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

/** What answering an unhandled type needs from the router's settings. */
export interface Ignoring {
  logger: Logger
  handlers: WebhookHandlers
  onUnknownEvent: ((event: WebhookEvent, context: HandlerContext) => void | Promise<void>) | undefined
  reportError(error: unknown, context: { phase: 'unknown-event'; deliveryId: string; event: WebhookEvent }): void
}

/** Unknown types logged once each, up to this many: a sender cannot grow the set without bound. */
const MAX_LOGGED_UNKNOWN_TYPES = 100

/** 200 `ignored` for a verified type with no handler, after `onUnknownEvent`; each type logged once. */
export function ignoring(settings: Ignoring): (event: WebhookEvent, context: HandlerContext) => Promise<WebhookResult> {
  const logged = new Set<string>()
  return async (event, context) => {
    if (!logged.has(event.type) && logged.size < MAX_LOGGED_UNKNOWN_TYPES) {
      logged.add(event.type)
      settings.logger.info?.(
        `[upload-webhooks] no handler for ${JSON.stringify(event.type.slice(0, 100))} from ${event.sender}: answered 200 ignored`,
        { handlers: Object.keys(settings.handlers) },
      )
    }
    try {
      await settings.onUnknownEvent?.(event, context)
    } catch (error) {
      settings.reportError(error, { phase: 'unknown-event', deliveryId: context.deliveryId, event })
    }
    return accepted('ignored', context.deliveryId)
  }
}

/**
 * Runs an inline handler; one still running at 80 % of the sender's answer budget logs a warning
 * naming `defer`, since the sender then times out and retries while the first run goes on.
 */
export function withinBudget(run: () => unknown, budgetMs: number, type: string, sender: string, logger: Logger): unknown {
  const running = run()
  if (!isPromiseLike(running)) return running
  const timer = setTimeout(() => {
    logger.warn(
      `[upload-webhooks] the "${type}" handler is still running at 80% of ${sender}'s ${budgetMs / 1000} s answer budget: ` +
        "past it the sender retries while this run goes on. Hand long work to a queue with the router's `defer` option " +
        '(deferToBullMQ, deferToQStash, deferToCloudflareQueue); see core\'s README, "Long-running handlers".',
    )
  }, budgetMs * 0.8)
  ;(timer as { unref?: () => void }).unref?.()
  return Promise.resolve(running).finally(() => clearTimeout(timer))
}
