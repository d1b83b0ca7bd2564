// What handlers are and what they receive.
import type { GenericEvent } from './events/types.js'
import type { KnownEvents, WebhookEvent } from './senders/registry.js'
import type { HeaderBag, Logger, VerifiedDelivery, Verifier } from './types.js'

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

// biome-ignore lint/suspicious/noExplicitAny: a handler for an unknown type may narrow the event itself
export type Handler<E = any> = (event: E, context: HandlerContext) => unknown | Promise<unknown>

/** Handlers keyed by event type; known types get typed events, any other type a generic one. */
export type WebhookHandlers = { [K in keyof KnownEvents]?: Handler<KnownEvents[K]> } & { [type: string]: Handler | undefined }

/** One verifier, or several: what the `verify` option takes. */
export type VerifyOption = Verifier<string> | readonly Verifier<string>[]

/** The event types a `verify` option can emit: `string` as soon as one sender's set is open. */
export type EventsOf<V> = V extends readonly (infer One)[] ? EventsOfOne<One> : EventsOfOne<V>
type EventsOfOne<V> = V extends Verifier<infer Events> ? Events : string

/**
 * The handler map for those senders: any key when their event sets are open, exactly their
 * types (plus the doctor probe's) when every set is closed, so a typo there is a type error.
 */
export type HandlersFor<V> =
  string extends EventsOf<V>
    ? WebhookHandlers
    : { [K in EventsOf<V> | 'upload-webhooks.doctor']?: Handler<K extends keyof KnownEvents ? KnownEvents[K] : GenericEvent> }

export type { WebhookEvent }
