// h3 v2 (web Request based, served on Node through srvx): the bare route reads event.req.text()
// and answers as our adapter does, status and headers on `event.res` and the body returned as a
// string (a returned Response costs a web stream per answer); a peer recipe reads and answers the
// bare route's way.
import type { RequestListener } from 'node:http'
import { uploadWebhooks } from '@upload-webhooks/h3'
import { H3, toNodeHandler } from 'h3'
import { WEBHOOK_PATH } from '../payload.js'
import { BARE_ANSWER, JSON_CONTENT_TYPE } from './answers.js'
import type { Route } from './variant.js'

export function h3v2Listener(route: Route): RequestListener {
  const app = new H3()
  if (route.kind === 'ours') {
    app.post(WEBHOOK_PATH, uploadWebhooks(route.options) as unknown as Parameters<typeof app.post>[1])
  } else if (route.kind === 'peer') {
    const { recipe } = route
    app.post(WEBHOOK_PATH, async (event) => {
      const { status, body } = await recipe({
        body: await event.req.text(),
        signature: event.req.headers.get('upstash-signature') ?? undefined,
        messageId: event.req.headers.get('upstash-message-id') ?? undefined,
        url: event.req.url,
      })
      event.res.status = status
      event.res.headers.set('content-type', JSON_CONTENT_TYPE)
      return body
    })
  } else {
    app.post(WEBHOOK_PATH, async (event) => {
      JSON.parse(await event.req.text())
      event.res.headers.set('content-type', JSON_CONTENT_TYPE)
      return BARE_ANSWER
    })
  }
  return toNodeHandler(app) as unknown as RequestListener
}
