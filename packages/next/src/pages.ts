// Pages Router API route: Node request in, Node response out. Uses only IncomingMessage and
// ServerResponse members, so it also runs behind a bare `http.createServer()`.
import { createWebhookRouter, missingRawBody, type RawBody, type WebhookRouterOptions } from '@upload-webhooks/core'
import type { NextApiRequest, NextApiResponse } from 'next'
import { addressedUrl } from './url.js'

/**
 * Core's options; `url` defaults to the URL rebuilt from `X-Forwarded-Proto` / `X-Forwarded-Host`
 * (which Next's server and Vercel set), else `Host`, plus `req.url`.
 */
export type PagesUploadWebhooksOptions = WebhookRouterOptions

export const PAGES_BODY_PARSER_FIX =
  'add `export const config = { api: { bodyParser: false } }` to this API route: Next parsed the body, and the signature covers the raw bytes'

function rawBodyOf(req: NextApiRequest): RawBody {
  const body: unknown = req.body
  if (body instanceof Uint8Array) return body
  // Next's body parser leaves an object or string in req.body and the stream drained.
  if (body !== undefined || req.readableEnded) return missingRawBody(PAGES_BODY_PARSER_FIX)
  return req
}

/**
 * Pages Router API route: `export default pagesUploadWebhooks({ verify, handlers })` in
 * `pages/api/webhooks/upload.ts`, with `export const config = { api: { bodyParser: false } }`.
 */
export function pagesUploadWebhooks(options: PagesUploadWebhooksOptions): (req: NextApiRequest, res: NextApiResponse) => Promise<void> {
  const router = createWebhookRouter(options)
  return async function uploadWebhooksApiRoute(req: NextApiRequest, res: NextApiResponse): Promise<void> {
    const result = await router.receive({
      method: req.method ?? 'GET',
      url: addressedUrl(req.headers, req.url ?? '/', {
        protocol: (req.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http',
        host: 'localhost',
      }),
      headers: req.headers,
      body: rawBodyOf(req),
    })
    res.statusCode = result.status
    for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value)
    res.end(result.body)
  }
}
