// `--sender` names and lookups over core's sender registry: a sender added to core is a sender the
// CLI can sign for, with no change here.
import { type SenderId, type SenderModule, senderById, senders } from '@upload-webhooks/core/senders'

export type SenderName = SenderId

/** A registry record whose id is one of `senderNames`. */
export type Sender = SenderModule<SenderName>

export const senderNames: readonly SenderName[] = senders.map((sender) => sender.id)

/** The registry record for `--sender <name>`. */
export function senderModule(name: string): Sender {
  const sender = senderById(name)
  if (!sender) throw new Error(`unknown sender "${name}"`)
  return sender as Sender
}
