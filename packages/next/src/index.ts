export { uploadWebhooks, type UploadWebhooksOptions } from './app.js'
export { pagesUploadWebhooks, type PagesUploadWebhooksOptions } from './pages.js'
export type { WebhookRouterOptions } from '@upload-webhooks/core'
