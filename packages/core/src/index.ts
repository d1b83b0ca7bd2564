export { createWebhookRouter } from './router.js'
export type { DedupeOptions, ErrorContext, Handler, HandlerContext, WebhookHandlers, WebhookRouter, WebhookRouterOptions } from './router.js'

export { qstash, type QStashVerifierOptions } from './verifiers/qstash.js'
export { sonuslab, timestampedHmac, type SonuslabOptions, type TimestampedHmacOptions } from './verifiers/timestamped-hmac.js'
export { uploadcare, type UploadcareOptions } from './verifiers/uploadcare.js'
export { standardWebhooks, type StandardWebhooksOptions } from './verifiers/standard-webhooks.js'

export { memoryStore, type MemoryStoreOptions } from './stores/memory.js'
export { upstashStore, type UpstashRedisLike } from './stores/upstash.js'
export { StoreUnavailableError } from './stores/protocol.js'

export { NonRetryableError, RawBodyUnavailableError, VerificationError, WebhookConfigError, type RejectionReason } from './errors.js'
export { decodeEvent, decodeQStashEvent } from './events/decode.js'
export { getHeader } from './headers.js'
export { missingRawBody } from './body.js'
export type * from './events/types.js'
export type * from './types.js'
