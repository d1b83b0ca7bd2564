// What handlers are and what they receive.
import type { GenericEvent } from './events/types.js'
import type { KnownEvents, WebhookEvent } from './senders/registry.js'
import type { HeaderBag, Logger, VerifiedDelivery, Verifier } from './types.js'

/**
 * What every handler gets besides the event, run inline by the router or later by `createWorker`:
 * write handlers against it (`DeliveryHandlers`) to pass the same ones to both.
 */
export interface DeliveryContext {
  /** The sender's delivery ID, stable across its retries. */
  deliveryId: string
  /** Name of the verifier that accepted the delivery. */
  sender: string
  /** Retry number, the sender's inline and the engine's in a worker; 0 on the first attempt. */
  attempt: number
  logger: Logger
}

/** What a handler the router runs inline gets besides the event: the request's too. */
export interface HandlerContext extends VerifiedDelivery, DeliveryContext {
  /** Retry number as the sender reports it; 0 when it does not. */
  attempt: number
  /** Request headers, as the adapter passed them. */
  headers: HeaderBag
  /** The verified raw body, as text. */
  rawBody: string
}

/** Handlers that run inline and in a worker alike: keyed as `WebhookHandlers`, given the context both give. */
export type DeliveryHandlers = {
  [K in keyof KnownEvents]?: (event: KnownEvents[K], context: DeliveryContext) => unknown | Promise<unknown>
} & {
  // biome-ignore lint/suspicious/noExplicitAny: a handler for an unknown type may narrow the event itself
  [type: string]: ((event: any, context: DeliveryContext) => unknown | Promise<unknown>) | undefined
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
