// h3 v1 (as in Nuxt 4 / Nitro 2): the bare route uses readRawBody(); the middleware is our adapter.
import type { RequestListener } from 'node:http'
import type { WebhookRouterOptions } from '@upload-webhooks/core'
import { uploadWebhooks } from '@upload-webhooks/h3'
import { createApp, createRouter, defineEventHandler, readRawBody, setResponseHeader, toNodeListener } from 'h3-v1'
import { WEBHOOK_PATH } from '../payload.js'
import { BARE_ANSWER, JSON_CONTENT_TYPE } from './variant.js'

export function h3v1Listener(options: WebhookRouterOptions | undefined): RequestListener {
  const app = createApp()
  const router = createRouter()
  if (options) {
    router.post(WEBHOOK_PATH, uploadWebhooks(options) as unknown as Parameters<typeof router.post>[1])
  } else {
    router.post(
      WEBHOOK_PATH,
      defineEventHandler(async (event) => {
        JSON.parse((await readRawBody(event, false))?.toString('utf8') ?? '')
        setResponseHeader(event, 'content-type', JSON_CONTENT_TYPE)
        return BARE_ANSWER
      }),
    )
  }
  app.use(router)
  return toNodeListener(app)
}
