// Express 5: the bare route reads the raw stream and parses JSON; the middleware is our adapter;
// a peer recipe reads the body the bare route's way and answers the bare route's way.
import type { RequestListener } from 'node:http'
import { uploadWebhooks } from '@upload-webhooks/express'
import express, { type Request } from 'express'
import { WEBHOOK_PATH } from '../payload.js'
import { BARE_ANSWER, JSON_CONTENT_TYPE } from './answers.js'
import type { PeerRecipe } from './peer-recipe.js'
import { readAll } from './read-all.js'
import type { Route } from './variant.js'

const header = (req: Request, name: string) => req.headers[name] as string | undefined

function answer(recipe: PeerRecipe | undefined, req: Request, text: string) {
  if (!recipe) {
    JSON.parse(text)
    return Promise.resolve({ status: 200, body: BARE_ANSWER })
  }
  return recipe({
    body: text,
    signature: header(req, 'upstash-signature'),
    messageId: header(req, 'upstash-message-id'),
    url: `http://${req.headers.host}${req.originalUrl}`,
  })
}

export function expressListener(route: Route): RequestListener {
  const app = express()
  if (route.kind === 'ours') {
    app.post(WEBHOOK_PATH, uploadWebhooks(route.options))
    return app
  }
  const recipe = route.kind === 'peer' ? route.recipe : undefined
  app.post(WEBHOOK_PATH, (req, res, next) => {
    readAll(req)
      .then((bytes) => answer(recipe, req, bytes.toString('utf8')))
      .then(({ status, body }) => {
        res.status(status).setHeader('content-type', JSON_CONTENT_TYPE)
        res.end(body)
      }, next)
  })
  return app
}
