export { missingRawBody } from './body.js'
export { NonRetryableError, RawBodyUnavailableError, type RejectionReason, VerificationError, WebhookConfigError } from './errors.js'
export { decodeEvent, decodeQStashEvent } from './events/decode.js'
export type * from './events/types.js'
export { getHeader } from './headers.js'
export type {
  DedupeOptions,
  ErrorContext,
  Handler,
  HandlerContext,
  WebhookHandlers,
  WebhookRouter,
  WebhookRouterOptions,
} from './router.js'
export { createWebhookRouter } from './router.js'
export { type MemoryStoreOptions, memoryStore } from './stores/memory.js'
export { StoreUnavailableError } from './stores/protocol.js'
export { type UpstashRedisLike, upstashStore } from './stores/upstash.js'
export type * from './types.js'
export { type QStashVerifierOptions, qstash } from './verifiers/qstash.js'
export { type StandardWebhooksOptions, standardWebhooks } from './verifiers/standard-webhooks.js'
export { type SonuslabOptions, sonuslab, type TimestampedHmacOptions, timestampedHmac } from './verifiers/timestamped-hmac.js'
export { type UploadcareOptions, uploadcare } from './verifiers/uploadcare.js'
