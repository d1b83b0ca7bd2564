// The contract every sender module fulfils: one file per sender holds its verifier factory,
// signer, decoder, event types, env names and defaults; senders/registry.ts lists them.
import type { BodyInput } from '../runtime.js'
import type { Verifier } from '../types.js'

/** What a signer needs to sign one delivery the way the sender does. */
export interface SignInput {
  /** The exact body text or bytes. */
  body: BodyInput
  /** The URL the delivery is addressed to (QStash signs it as `sub`). */
  url: string
  /** The delivery ID the sender puts in its ID header (QStash message ID, `webhook-id`, ...). */
  deliveryId: string
  /** Secret or signing key. Default: the sender's env variable, else its published dev key. */
  secret?: string
  /** Signing time, unix seconds. Default: now. */
  now?: number
}

/** One sender, as the registry, `/testing`, the CLI and the docs see it. */
export interface SenderModule<Id extends string = string> {
  /** Registry key, also `createTestDelivery({ verifier })` and `upload-webhooks send --sender`. */
  readonly id: Id
  /** Its short name, for messages: `QStash`. */
  readonly label: string
  /** Who sends it, for people. */
  readonly title: string
  /** The factory call a user writes, for docs: `qstash()`. */
  readonly factory: string
  /** The header carrying the signature. */
  readonly signatureHeader: string
  /** Env variables the verifier reads by default, in order. */
  readonly env: readonly string[]
  /** Event types with typed payloads this sender emits (its handler keys). */
  readonly events: readonly string[]
  /** Whether the delivery ID is stable across the sender's retries and what dedupes a replay. */
  readonly dedupe: string
  /** True when the sender sends no delivery ID and the body's hash is the ID. */
  readonly deliveryIdFromBody: boolean
  /** Where the body carries the event type, as a dotted path (`event`, `hook.event`). */
  readonly eventTypeField: string
  /** The published development key for each of `env`, in the same order. */
  readonly devKeys: readonly string[]
  /** The verifier with its env defaults, as `qstash()` builds it. */
  verifier(): Verifier
  /** The headers the sender sends with `body`: signature, delivery ID, retry count. */
  sign(input: SignInput): Promise<Record<string, string>>
}
