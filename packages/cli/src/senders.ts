// `--sender` and what each sender's verifier reads, derived from core's sender registry: a sender
// added to core is a sender the CLI can sign for, with no change here.
import { senders as registry, type SenderId } from '@upload-webhooks/core/testing'

export const senderNames = registry.map((sender) => sender.id) as readonly SenderId[]
export type SenderName = SenderId

export interface SenderSpec {
  /** What the sender is, for messages. */
  label: string
  /** Variable of the key it signs with (QStash: the current signing key). */
  signingEnv: string
  /** QStash only: the variable of the second key verifiers accept during rotation. */
  nextEnv?: string
  /** Public development key core's testing helpers and the examples use when nothing is set. */
  devKey: string | undefined
  devNextKey?: string
  /** Where the sender's JSON body carries the event type, as a dotted path. */
  eventTypeField: string
  /** The sender sends no delivery ID: core dedupes on the body's SHA-256, so `--id` cannot apply. */
  idFromBody?: true
}

function specOf(sender: (typeof registry)[number]): SenderSpec {
  return {
    label: sender.label,
    signingEnv: sender.env[0]!,
    ...(sender.env[1] ? { nextEnv: sender.env[1] } : {}),
    devKey: sender.devKeys[0],
    ...(sender.devKeys[1] ? { devNextKey: sender.devKeys[1] } : {}),
    eventTypeField: sender.eventTypeField,
    ...(sender.deliveryIdFromBody ? { idFromBody: true as const } : {}),
  }
}

export const senders = Object.fromEntries(registry.map((sender) => [sender.id, specOf(sender)])) as Record<SenderName, SenderSpec>

export function senderSpec(name: string): SenderSpec & { name: SenderName } {
  if (!(senderNames as readonly string[]).includes(name)) {
    throw new Error(`unknown sender "${name}"`)
  }
  return { ...senders[name as SenderName], name: name as SenderName }
}
