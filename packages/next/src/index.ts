export type { WebhookRouterOptions } from '@upload-webhooks/core'
export { type UploadWebhooksOptions, uploadWebhooks } from './app.js'
export { type PagesUploadWebhooksOptions, pagesUploadWebhooks } from './pages.js'
