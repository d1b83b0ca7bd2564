import type { RejectionReason } from './errors.js'
import type { GenericEvent } from './events/types.js'
import type { HeaderBag } from './runtime.js'

export type { HeaderBag } from './runtime.js'

/** Outcomes of a delivery that was accepted: 200, or 202 `accepted` for one handed to a durable engine (`defer`). */
export type AcceptedStatus = 'processed' | 'duplicate' | 'ignored' | 'accepted'

/** A request body the router can read: bytes, text, a web stream or a Node stream (async iterable). */
export type RawBody = Uint8Array | string | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string> | null | undefined

/** What an adapter hands the router: one HTTP request, body still raw. */
export interface RawDelivery {
  method: string
  /** Absolute URL as the sender addressed it; QStash's `sub` is checked against it when no public URL is configured, and a bare path never matches. */
  url: string
  headers: HeaderBag
  /** Raw body. Streams are read by the router up to `maxBodyBytes` and no further. */
  body: RawBody
}

/** What the router answers; adapters copy it onto the framework's response unchanged. */
export interface WebhookResult {
  status: number
  headers: Record<string, string>
  /** JSON text. */
  body: string
  /** What the body says, for code that reports on the answer (telemetry, an adapter's warning): the accepted status, or the refusal's reason. */
  outcome: AcceptedStatus | RejectionReason
}

/** What a verifier proved about a delivery. */
export interface VerifiedDelivery {
  /** Stable across the sender's retries of one delivery; the dedupe key. */
  deliveryId: string
  /** Retry number as the sender reports it (0 = first attempt), when it reports one. */
  attempt?: number
  /** When the sender signed it (unix seconds), when the signature carries a time. */
  timestamp?: number
  /**
   * Signed content unique to this signature (QStash's `jti`, an HMAC), kept until the signature
   * expires so the same signed delivery cannot run again under a fresh, unsigned delivery ID.
   * Omitted when the delivery ID itself is signed or derived from the body.
   */
  replayNonce?: ReplayNonce
  /** SHA-256 of the body as unpadded base64url, when verifying computed it anyway (the router binds records to it). */
  bodyHash?: string
}

/**
 * What `Verifier.verify` returns: a verified delivery whose ID a sender without one leaves out.
 * The authenticate step then keys it by the body's SHA-256 (hex), which the sender's retries
 * repeat and a secret rotation does not change, and which the router needs anyway to bind
 * records to the body: computed once, outside the verifier.
 */
export type VerifierResult = Omit<VerifiedDelivery, 'deliveryId'> & {
  /** Stable across the sender's retries. Default: the body's SHA-256, hex (Uploadcare, Cloudinary). */
  deliveryId?: string
}

/** A signed nonce and how long its signature stays valid. */
export interface ReplayNonce {
  /** Short, store-safe text derived only from signed content. */
  value: string
  /** Unix seconds after which the signature no longer verifies. */
  expiresAt: number
}

/** The body as the router holds it after reading: bytes plus a lazily decoded string. */
export interface DeliveryBody {
  readonly bytes: Uint8Array
  /** UTF-8 text of `bytes`, decoded once on first use. */
  readonly text: string
}

/** Input a verifier checks. */
export interface VerifyInput {
  method: string
  /** The request URL as the adapter rebuilt it. */
  url: string
  /**
   * The URL a signature bound to a destination must name (QStash's `sub`), as the router's URL
   * policy resolved it (docs/architecture.md, "Public URL"); `false` when the user turned that check off.
   * The router always sets it. Default, for a direct `verify()` call: `url`.
   */
  publicUrl?: string | false
  headers: HeaderBag
  body: DeliveryBody
}

/**
 * Checks one sender's signature. Implement this to support a sender we do not ship.
 * `verify` throws a `VerificationError` (401 or 400) on failure; it must not look at the store.
 */
export interface Verifier<Events extends string = string> {
  /**
   * Type only, never set: the event types this verifier can emit. `string` (the default) when the
   * sender's set is open; a union of literals when it is closed, so a mistyped handler key is a
   * type error.
   */
  readonly __events?: Events
  /** Short name; part of the dedupe key (`<prefix>:<name>:<deliveryId>`). */
  readonly name: string
  /** True when this sender's signature header is present (used to pick one of several verifiers). */
  matches(headers: HeaderBag): boolean
  verify(input: VerifyInput): VerifierResult | Promise<VerifierResult>
  /**
   * Turns the parsed JSON body into a typed event; undefined when it names no event type.
   * Default (custom verifiers): the body's string `type` field.
   */
  toEvent?(payload: Record<string, unknown>, headers: HeaderBag): GenericEvent | undefined
  /** Event types with typed payloads only this kind of sender emits; other senders cannot reach their handlers. Default: none. */
  readonly events?: readonly string[]
  /** Further event types the sender documents, without typed payloads. Default: none. */
  readonly otherEvents?: readonly string[]
  /** True when the sender emits only `events` and `otherEvents`: any other handler key is then a mistake. Default: false. */
  readonly closedEvents?: boolean
  /**
   * True when `verify` checks `publicUrl` (QStash's `sub`) and has no URL of its own: in production
   * (the router's `production` option) the router then requires its `url` option or WEBHOOK_PUBLIC_URL.
   * Default: false.
   */
  readonly needsPublicUrl?: boolean
  /**
   * Where each of its secrets that is a published development key came from (an option such as
   * `` `currentSigningKey` `` or a variable such as `QSTASH_CURRENT_SIGNING_KEY`). Those keys ship in
   * the npm package, so a router in production refuses the verifier, naming these. The shipped
   * factories set it. Default: none.
   */
  readonly devKeySources?: readonly string[]
  /** Status telling this sender not to retry (QStash: 489). Defaults to 422. */
  readonly nonRetryableStatus?: number
  /** Extra headers sent with the non-retryable status. */
  readonly nonRetryableHeaders?: Readonly<Record<string, string>>
}

/** Result of a dedupe claim. */
export type ClaimOutcome =
  /** Nobody had it: this caller owns the lock and runs the handler. */
  | { readonly state: 'claimed' }
  /** Already processed within `ttlSeconds`. */
  | { readonly state: 'done' }
  /** Another worker holds the lock; retry after this many seconds. */
  | { readonly state: 'in-flight'; readonly retryAfterSeconds: number }
  /** The record for this ID was made from another body: a conflict, never a duplicate. */
  | { readonly state: 'conflict' }
  /** The signed nonce already belongs to another delivery ID: a replay. Nothing was written. */
  | { readonly state: 'replayed' }

/** A signed nonce to record with a claim (see `VerifiedDelivery.replayNonce`). */
export interface NonceClaim {
  /** Store key of the nonce. */
  key: string
  /**
   * The delivery ID the nonce belongs to; the same nonce under another ID is a replay. `claim`'s
   * key is built from this ID, so a store may compare keys instead (`memoryStore()` does).
   */
  owner: string
  /** Until the signature expires, in whole seconds (at least 1). */
  ttlSeconds: number
}

/**
 * Dedupe storage. `claim` and `commit` are one round trip each; `commit` and `release` are
 * compare-and-set on `token`, so a lock that expired and was taken over is left alone.
 * Values: a claim token `claim:<fingerprint>:<random>` while a handler runs, `done:<fingerprint>`
 * once processed; the fingerprint (the body's hash) turns a same-ID, other-body delivery into a
 * conflict. The full protocol is in docs/architecture.md. A call may answer at once (as
 * `memoryStore()` does) or with a promise: the router awaits only a promise.
 */
export interface DedupeStore {
  /**
   * Set `key` to `token` for `lockSeconds` if absent, and say what was there. With `nonce`, first
   * record it (in the same round trip, atomically where the store can): a nonce owned by another
   * delivery ID answers `replayed` and writes nothing.
   */
  claim(key: string, token: string, lockSeconds: number, nonce?: NonceClaim): ClaimOutcome | Promise<ClaimOutcome>
  /** If `key` still holds `token`, mark it done for `ttlSeconds`. Returns whether it did. */
  commit(key: string, token: string, ttlSeconds: number): boolean | Promise<boolean>
  /** If `key` still holds `token`, delete it. Returns whether it did. */
  release(key: string, token: string): boolean | Promise<boolean>
  /**
   * Delete `key`, whatever it holds. Returns whether it was there. Used by `createWorker()` when an
   * engine dead-letters a deferred delivery: the ingress record goes, so the sender's re-delivery
   * is enqueued again instead of answered `duplicate`. Required by `createWorker()`; the shipped
   * stores have it. Optional for the router.
   */
  forget?(key: string): boolean | Promise<boolean>
  /**
   * Called once by the router with its logger, so the store's warnings reach the same place, and
   * whether the router runs in production (its `production` option). Optional.
   */
  useLogger?(logger: Logger, router?: { production: boolean }): void
}

/** Minimal structured logger; `console` fits. */
export interface Logger {
  debug?(message: string, fields?: Record<string, unknown>): void
  info?(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}
