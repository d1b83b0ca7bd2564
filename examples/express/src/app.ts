// The Express app: the webhook route from our adapter, and the state it writes at GET /uploads.
import type { DedupeStore, Logger, WebhookHandlers } from '@upload-webhooks/core'
import { uploadWebhooks } from '@upload-webhooks/express'
import express, { type Express } from 'express'
import { listReceived } from './received.js'
import type { WebhookSetup } from './webhook-setup.js'

export const WEBHOOK_PATH = '/api/webhooks/upload'

export interface AppOptions {
  setup: WebhookSetup
  handlers: WebhookHandlers
  /** Default: core's, from UPSTASH_REDIS_REST_URL/_TOKEN, else REDIS_URL, else in memory. */
  store?: DedupeStore
  /** Where the router's warnings and errors go. Default: `console`. */
  logger?: Logger
}

export function createApp({ setup, handlers, store, logger }: AppOptions): Express {
  const app = express()
  // Before any body parser: the signature covers the raw bytes, which the adapter reads itself.
  app.use(
    uploadWebhooks({
      path: WEBHOOK_PATH,
      verify: setup.verify,
      production: setup.production,
      handlers,
      ...(store ? { store } : {}),
      ...(logger ? { logger } : {}),
    }),
  )
  app.use(express.json())
  app.get('/uploads', (_req, res) => {
    res.json(listReceived())
  })
  app.get('/', (_req, res) => {
    res.type('text/plain').send(`POST signed deliveries to ${WEBHOOK_PATH}; see what arrived at GET /uploads.\n`)
  })
  return app
}
