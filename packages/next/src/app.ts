// App Router route handler, for the Node.js and Edge runtimes: a web Request in, a web Response
// out, through core's adapter toolkit. This file (and core's entries it uses) import no `node:`
// module, so the Edge bundle stays clean.
import { createWebhookRouter, type VerifyOption, type WebhookRouterOptions } from '@upload-webhooks/core'
import { toWebResponse, webRequestBody, webRequestUrl } from '@upload-webhooks/core/adapter'

export interface UploadWebhooksOptions<V extends VerifyOption = VerifyOption> extends WebhookRouterOptions<V> {
  /**
   * Build the request URL from `X-Forwarded-Proto` / `X-Forwarded-Host`, as Vercel and `next start`
   * behind a proxy set them. Only the `url` option or WEBHOOK_PUBLIC_URL is used for QStash's check
   * in production. Default: false (`Host`, as the request arrived).
   */
  trustProxy?: boolean
}

/** The body was read before the handler ran (e.g. by middleware calling `request.json()`). */
export const APP_READ_FIX = 'do not read the request body before uploadWebhooks handles it (no request.json()/text() in front of it)'

/**
 * App Router handler: `export const POST = uploadWebhooks({ verify, handlers })` in
 * `app/api/webhooks/upload/route.ts`.
 */
export function uploadWebhooks<const V extends VerifyOption>(options: UploadWebhooksOptions<V>): (request: Request) => Promise<Response> {
  const { trustProxy = false, ...routerOptions } = options
  const router = createWebhookRouter(routerOptions as WebhookRouterOptions)
  return async function POST(request: Request): Promise<Response> {
    const url = webRequestUrl(request, trustProxy)
    const body = webRequestBody(request, 'Next.js', APP_READ_FIX)
    return toWebResponse(await router.receive({ method: request.method, url, headers: request.headers, body }))
  }
}
