// Every sender we ship, in one list: /testing, createTestDelivery, the CLI, the README's sender
// table and the reliability corpus iterate it. A new sender is one module and one line here.
import { cloudinarySender } from './cloudinary.js'
import { qstashSender } from './qstash.js'
import { sonuslabSender } from './sonuslab.js'
import { standardWebhooksSender } from './standard-webhooks.js'
import type { SenderModule } from './types.js'
import { uploadcareSender } from './uploadcare.js'

export const senders = [qstashSender, sonuslabSender, uploadcareSender, standardWebhooksSender, cloudinarySender] as const

/** A sender's registry key: `'qstash' | 'sonuslab' | ...`. */
export type SenderId = (typeof senders)[number]['id']

/** The sender module for `id`; a WebhookConfigError-free lookup for callers that validated `id`. */
export function senderById(id: string): SenderModule | undefined {
  return senders.find((sender) => sender.id === id)
}

import type { GenericEvent } from '../events/types.js'
import type { CloudinaryEvents } from './cloudinary.js'
import type { QStashEvents } from './qstash.js'
import type { SonuslabEvents } from './sonuslab.js'
import type { StandardWebhookEvent } from './standard-webhooks.js'
import type { UploadcareEvents } from './uploadcare.js'

/** Event types with typed payloads, keyed by handler name: every sender's, gathered here. */
export interface KnownEvents extends QStashEvents, SonuslabEvents, UploadcareEvents, CloudinaryEvents {}

/** Every event a handler can receive: a known sender's typed event, or a generic one. */
export type WebhookEvent = KnownEvents[keyof KnownEvents] | StandardWebhookEvent | GenericEvent

export type { EventBase, GenericEvent, UploadedFile } from '../events/types.js'
export type { CloudinaryUploadEvent } from './cloudinary.js'
export type { QStashCallbackEvent, UploadKitFile, UploadKitUploadCompleteEvent } from './qstash.js'
export type { SonuslabFile, SonuslabUploadCompletedEvent } from './sonuslab.js'
export type { StandardWebhookEvent } from './standard-webhooks.js'
export type { UploadcareEvent, UploadcareFileInfo, UploadcareHook, UploadcareVirusScan } from './uploadcare.js'
