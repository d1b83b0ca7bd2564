// Pages Router API route: Node request in, Node response out, through core's adapter toolkit.
// Uses only IncomingMessage and ServerResponse members, so it also runs behind `http.createServer()`.
import { createWebhookRouter, type VerifyOption, type WebhookRouterOptions } from '@upload-webhooks/core'
import { nodeRequestBody, nodeRequestUrl, writeNodeResponse } from '@upload-webhooks/core/adapter'
import type { NextApiRequest, NextApiResponse } from 'next'
import type { UploadWebhooksOptions } from './app.js'

/** The App Router handler's options (`trustProxy` included). */
export type PagesUploadWebhooksOptions<V extends VerifyOption = VerifyOption> = UploadWebhooksOptions<V>

export const PAGES_BODY_PARSER_FIX =
  'add `export const config = { api: { bodyParser: false } }` to this API route: Next parsed the body, and the signature covers the raw bytes'

/**
 * Pages Router API route: `export default pagesUploadWebhooks({ verify, handlers })` in
 * `pages/api/webhooks/upload.ts`, with `export const config = { api: { bodyParser: false } }`.
 */
export function pagesUploadWebhooks<const V extends VerifyOption>(
  options: PagesUploadWebhooksOptions<V>,
): (req: NextApiRequest, res: NextApiResponse) => Promise<void> {
  const { trustProxy = false, ...routerOptions } = options
  const router = createWebhookRouter(routerOptions as WebhookRouterOptions)
  return async function uploadWebhooksApiRoute(req: NextApiRequest, res: NextApiResponse): Promise<void> {
    const url = nodeRequestUrl(req, req.url ?? '/', trustProxy)
    // Next's body parser leaves an object or string in req.body and the stream drained.
    const body = nodeRequestBody(req, {
      kept: [req.body],
      consumed: req.body !== undefined,
      framework: 'Next.js',
      fix: PAGES_BODY_PARSER_FIX,
    })
    writeNodeResponse(res, await router.receive({ method: req.method ?? 'GET', url, headers: req.headers, body }))
  }
}
