export type { DeferEngine, DeferredJob, EnqueueRequest } from './defer/job.js'
export { jobDedupeId } from './defer/job.js'
export {
  NonRetryableError,
  RawBodyUnavailableError,
  REJECTION_REASONS,
  type RejectionReason,
  StoreUnavailableError,
  VerificationError,
  WebhookConfigError,
} from './errors.js'
export type { DeliveryObserver, DeliveryReport, DeliveryVerdict } from './observe.js'
export type {
  DedupeOptions,
  DeliveryContext,
  DeliveryHandlers,
  ErrorContext,
  EventsOf,
  Handler,
  HandlerContext,
  HandlersFor,
  VerifyOption,
  WebhookHandlers,
  WebhookRouter,
  WebhookRouterOptions,
} from './router.js'
export { createWebhookRouter } from './router.js'
export { getHeader } from './runtime.js'
export { type CloudinaryOptions, cloudinary, decodeCloudinaryEvent } from './senders/cloudinary.js'
export { decodeQStashEvent, type QStashVerifierOptions, qstash } from './senders/qstash.js'
export type {
  CloudinaryUploadEvent,
  EventBase,
  GenericEvent,
  KnownEvents,
  QStashCallbackEvent,
  SonuslabFile,
  SonuslabUploadCompletedEvent,
  StandardWebhookEvent,
  UploadcareEvent,
  UploadcareFileInfo,
  UploadcareHook,
  UploadcareVirusScan,
  UploadedFile,
  UploadKitFile,
  UploadKitUploadCompleteEvent,
  WebhookEvent,
} from './senders/registry.js'
export {
  decodeTimestampedHmacEvent,
  type SonuslabOptions,
  sonuslab,
  type TimestampedHmacOptions,
  timestampedHmac,
} from './senders/sonuslab.js'
export { decodeStandardWebhooksEvent, type StandardWebhooksOptions, standardWebhooks } from './senders/standard-webhooks.js'
export { decodeUploadcareEvent, type UploadcareOptions, uploadcare } from './senders/uploadcare.js'
export { missingRawBody } from './steps/read.js'
export { DOCTOR_EVENT } from './steps/route.js'
export { type MemoryStoreOptions, memoryStore } from './stores/memory.js'
export { type UpstashRedisLike, upstashStore } from './stores/upstash.js'
export type * from './types.js'
export type { BullMQFailedListener, BullMQJobLike, BullMQProcessor } from './worker/bullmq.js'
export type { CloudflareMessageBatchLike, CloudflareMessageLike, CloudflareQueueHandler } from './worker/cloudflare.js'
export { createWorker, type WebhookWorker } from './worker/create-worker.js'
export type {
  WorkerContext,
  WorkerDedupeOptions,
  WorkerHandler,
  WorkerHandlers,
  WorkerOptions,
  WorkerQueueOptions,
} from './worker/options.js'
export { type JobAttempt, JobInFlightError, type JobOutcome } from './worker/process.js'
