// h3 v1 (as in Nuxt 4 / Nitro 2): the bare route uses readRawBody(); the middleware is our
// adapter; a peer recipe reads the body the bare route's way and answers the bare route's way.
import type { RequestListener } from 'node:http'
import { uploadWebhooks } from '@upload-webhooks/h3'
import {
  createApp,
  createRouter,
  defineEventHandler,
  getRequestHeader,
  readRawBody,
  setResponseHeader,
  setResponseStatus,
  toNodeListener,
} from 'h3-v1'
import { WEBHOOK_PATH } from '../payload.js'
import { BARE_ANSWER, JSON_CONTENT_TYPE } from './answers.js'
import type { Route } from './variant.js'

export function h3v1Listener(route: Route): RequestListener {
  const app = createApp()
  const router = createRouter()
  if (route.kind === 'ours') {
    router.post(WEBHOOK_PATH, uploadWebhooks(route.options) as unknown as Parameters<typeof router.post>[1])
  } else {
    const recipe = route.kind === 'peer' ? route.recipe : undefined
    router.post(
      WEBHOOK_PATH,
      defineEventHandler(async (event) => {
        const text = (await readRawBody(event, false))?.toString('utf8') ?? ''
        setResponseHeader(event, 'content-type', JSON_CONTENT_TYPE)
        if (!recipe) {
          JSON.parse(text)
          return BARE_ANSWER
        }
        const { status, body } = await recipe({
          body: text,
          signature: getRequestHeader(event, 'upstash-signature'),
          messageId: getRequestHeader(event, 'upstash-message-id'),
          url: `http://${getRequestHeader(event, 'host')}${event.path}`,
        })
        setResponseStatus(event, status)
        return body
      }),
    )
  }
  app.use(router)
  return toNodeListener(app)
}
