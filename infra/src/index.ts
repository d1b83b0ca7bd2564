// Reusable components, for stacks that want the pieces rather than the whole programme.

export { ConfigError, loadConfig, parseConfig, type StackConfig } from './config.js'
export { DedupeRedis, type DedupeRedisArgs } from './dedupe-redis.js'
export { DlqAlerts, type DlqAlertsArgs } from './dlq-alerts.js'
export { dlqMonitorSource } from './dlq-monitor-source.js'
export { type PipelineEnv, UploadWebhookPipeline, type UploadWebhookPipelineArgs } from './pipeline.js'
export { isQStashApiError, type QStashApiError } from './qstash/http.js'
export { QSTASH_REGIONS, type QStashRegion, qstashBaseUrl } from './qstash/region.js'
export { QStashSigningKeys, type QStashSigningKeysArgs } from './qstash-signing-keys.js'
export { QStashUrlGroup, type QStashUrlGroupArgs, type UrlGroupEndpoint } from './qstash-url-group.js'
export { UploadBucket, type UploadBucketArgs } from './upload-bucket.js'
export { uploadConsumerSource } from './upload-consumer-source.js'
export { UPLOAD_ACTIONS, UploadEvents, type UploadEventsArgs } from './upload-events.js'
export { isUploadcareApiError, type UploadcareApiError } from './uploadcare/http.js'
export {
  UPLOADCARE_EVENTS,
  type UploadcareAuth,
  type UploadcareEvent,
  UploadcareWebhook,
  UploadcareWebhooks,
  type UploadcareWebhooksArgs,
} from './uploadcare-webhooks.js'
