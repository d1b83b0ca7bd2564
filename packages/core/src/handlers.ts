// What handlers are and what they receive.
import type { KnownEvents, WebhookEvent } from './events/types.js'
import type { HeaderBag, Logger, VerifiedDelivery } from './types.js'

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

export type { WebhookEvent }
