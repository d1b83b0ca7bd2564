// The one table that maps `--sender` to what core's verifier for that sender reads. Core may later
// own this as its sender registry; until then it mirrors the verifiers' documented env variables.
import { devSecret, devSigningKeys, devStandardWebhooksSecret } from '@upload-webhooks/core/testing'

export const senderNames = ['qstash', 'sonuslab', 'uploadcare', 'standard-webhooks', 'cloudinary'] as const
export type SenderName = (typeof senderNames)[number]

/** Where a sender's JSON body carries the event type. */
export type EventTypeField = 'event' | 'type' | 'hook.event' | 'notification_type'

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
  /** Event type `send` suggests in its help and the default payloads cover. */
  defaultEvent: string
  eventTypeField: EventTypeField
  /** The sender sends no delivery ID: core dedupes on the body's SHA-256, so `--id` cannot apply. */
  idFromBody?: true
}

export const senders: Record<SenderName, SenderSpec> = {
  qstash: {
    label: 'QStash (UploadKit)',
    signingEnv: 'QSTASH_CURRENT_SIGNING_KEY',
    nextEnv: 'QSTASH_NEXT_SIGNING_KEY',
    devKey: devSigningKeys.currentSigningKey,
    devNextKey: devSigningKeys.nextSigningKey,
    defaultEvent: 'onUploadComplete',
    eventTypeField: 'event',
  },
  sonuslab: {
    label: 'Sonuslab',
    signingEnv: 'SONUSLAB_WEBHOOK_SECRET',
    devKey: devSecret,
    defaultEvent: 'upload.completed',
    eventTypeField: 'event',
  },
  uploadcare: {
    label: 'Uploadcare',
    signingEnv: 'UPLOADCARE_WEBHOOK_SECRET',
    devKey: devSecret,
    defaultEvent: 'file.uploaded',
    eventTypeField: 'hook.event',
    idFromBody: true,
  },
  'standard-webhooks': {
    label: 'Standard Webhooks',
    signingEnv: 'WEBHOOK_SECRET',
    devKey: devStandardWebhooksSecret,
    defaultEvent: 'upload.created',
    eventTypeField: 'type',
  },
  cloudinary: {
    label: 'Cloudinary',
    signingEnv: 'CLOUDINARY_API_SECRET',
    devKey: devSecret,
    defaultEvent: 'upload',
    eventTypeField: 'notification_type',
    idFromBody: true,
  },
}

export function senderSpec(name: string): SenderSpec & { name: SenderName } {
  if (!(senderNames as readonly string[]).includes(name)) {
    throw new Error(`unknown sender "${name}"`)
  }
  return { ...senders[name as SenderName], name: name as SenderName }
}
