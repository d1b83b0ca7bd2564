// App Router route handler, for the Node.js and Edge runtimes: a web Request in, a web Response
// out. This file (and core's entry) import no `node:` module, so the Edge bundle stays clean.
import { createWebhookRouter, missingRawBody, type WebhookRouterOptions } from '@upload-webhooks/core'
import { addressedUrl } from './url.js'

/** Core's options; `url` defaults to the addressed URL (X-Forwarded-Proto/-Host, else Host, plus the path). */
export type UploadWebhooksOptions = WebhookRouterOptions

/** The body was read before the handler ran (e.g. by middleware calling `request.json()`). */
export const APP_READ_FIX = 'do not read the request body before uploadWebhooks handles it (no request.json()/text() in front of it)'

/**
 * App Router handler: `export const POST = uploadWebhooks({ verify, handlers })` in
 * `app/api/webhooks/upload/route.ts`.
 */
export function uploadWebhooks(options: UploadWebhooksOptions): (request: Request) => Promise<Response> {
  const router = createWebhookRouter(options)
  return async function POST(request: Request): Promise<Response> {
    const { pathname, search, protocol, host } = new URL(request.url)
    const result = await router.receive({
      method: request.method,
      url: addressedUrl(request.headers, pathname + search, { protocol: protocol.slice(0, -1), host }),
      headers: request.headers,
      body: request.bodyUsed ? missingRawBody(APP_READ_FIX) : request.body,
    })
    return new Response(result.body, { status: result.status, headers: result.headers })
  }
}
