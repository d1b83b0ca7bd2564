// The app's webhook handlers, keyed by event type, for the router and a worker alike. Each runs at most once per delivery:
// the router dedupes on the QStash message ID before calling it.
import type { DeliveryHandlers } from '@upload-webhooks/core'
import { saveFailure, saveUpload } from './received.js'

export const handlers = {
  /** UploadKit (via QStash): a file finished uploading. */
  onUploadComplete: async (event, ctx) => {
    const { file } = event
    saveUpload({
      deliveryId: ctx.deliveryId,
      attempt: ctx.attempt,
      sender: ctx.sender,
      file: { id: file.id, name: file.name, size: file.size, contentType: file.contentType, url: file.url, key: file.key },
      metadata: file.metadata,
      receivedAt: new Date().toISOString(),
    })
  },
  /** QStash failure callback: a delivery exhausted its retries and went to the dead-letter queue. */
  'qstash.failure': async (event, ctx) => {
    saveFailure({
      deliveryId: ctx.deliveryId,
      sourceMessageId: event.sourceMessageId,
      status: event.status,
      url: event.url,
      ...(event.dlqId ? { dlqId: event.dlqId } : {}),
      receivedAt: new Date().toISOString(),
    })
  },
} satisfies DeliveryHandlers
