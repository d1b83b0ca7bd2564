// h3 v2 (web Request based, served on Node through srvx): the bare route reads event.req.text().
import type { RequestListener } from 'node:http'
import type { WebhookRouterOptions } from '@upload-webhooks/core'
import { uploadWebhooks } from '@upload-webhooks/h3'
import { H3, toNodeHandler } from 'h3'
import { WEBHOOK_PATH } from '../payload.js'
import { BARE_ANSWER, JSON_CONTENT_TYPE } from './variant.js'

export function h3v2Listener(options: WebhookRouterOptions | undefined): RequestListener {
  const app = new H3()
  if (options) {
    app.post(WEBHOOK_PATH, uploadWebhooks(options) as unknown as Parameters<typeof app.post>[1])
  } else {
    app.post(WEBHOOK_PATH, async (event) => {
      JSON.parse(await event.req.text())
      return new Response(BARE_ANSWER, { headers: { 'content-type': JSON_CONTENT_TYPE } })
    })
  }
  return toNodeHandler(app) as unknown as RequestListener
}
