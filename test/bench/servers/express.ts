// Express 5: the bare route reads the raw stream and parses JSON; the middleware is our adapter.
import type { RequestListener } from 'node:http'
import type { WebhookRouterOptions } from '@upload-webhooks/core'
import { uploadWebhooks } from '@upload-webhooks/express'
import express from 'express'
import { WEBHOOK_PATH } from '../payload.js'
import { readAll } from './read-all.js'
import { BARE_ANSWER, JSON_CONTENT_TYPE } from './variant.js'

export function expressListener(options: WebhookRouterOptions | undefined): RequestListener {
  const app = express()
  if (options) {
    app.post(WEBHOOK_PATH, uploadWebhooks(options))
  } else {
    app.post(WEBHOOK_PATH, (req, res, next) => {
      readAll(req).then((bytes) => {
        JSON.parse(bytes.toString('utf8'))
        res.status(200).setHeader('content-type', JSON_CONTENT_TYPE)
        res.end(BARE_ANSWER)
      }, next)
    })
  }
  return app
}
