// Express 4 and 5 adapter: converts the request with core's adapter toolkit and writes the
// answer back. No policy here.
import { createWebhookRouter, type VerifyOption, type WebhookResult, type WebhookRouterOptions } from '@upload-webhooks/core'
import { nodeRequestBody, nodeRequestUrl, writeNodeResponse } from '@upload-webhooks/core/adapter'
import type { NextFunction, Request, RequestHandler, Response } from 'express'

export interface UploadWebhooksOptions<V extends VerifyOption = VerifyOption> extends WebhookRouterOptions<V> {
  /**
   * Only requests whose path (relative to where the middleware is mounted, so the full path
   * under `app.use(mw)`) equals this are handled; others go to `next()`. Use it with `app.use()`.
   * Default: none — every request reaching the middleware is handled (`app.post(path, mw)`);
   * mounted at the app's root with `app.use(mw)` and no `path`, it warns once, naming this option.
   */
  path?: string
}

const UNMOUNTED =
  '[upload-webhooks] uploadWebhooks() is mounted with app.use() at the root and no `path`: it answers every request ' +
  "(405 or 401), so routes after it never run. Pass { path: '/api/webhooks/upload' } or mount it with app.post(path, ...)."

/** A request that reached the middleware without being a webhook: the sign of a root mount without `path`. */
const notAWebhook = (outcome: WebhookResult['outcome']) => outcome === 'method_not_allowed' || outcome === 'missing_signature'

const PARSED_FIX = 'mount uploadWebhooks before express.json(), or use express.raw({ type: "application/json" }) on this route'

type RawRequest = Request & { rawBody?: unknown }
type TrustFn = (address: string | undefined, hop: number) => boolean

const trimSlash = (path: string) => (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path)
/** `req.path` without Express's getter: the URL's path part relative to the mount point. */
const pathOf = (url: string) => {
  const query = url.indexOf('?')
  return query < 0 ? url : url.slice(0, query)
}

/** Express's own `trust proxy` verdict on the peer (`req.protocol` asks the same). */
const trusted = (req: Request) => (req.app.get('trust proxy fn') as TrustFn | undefined)?.(req.socket.remoteAddress, 0) === true

/** Express middleware (or route handler) that verifies, dedupes and routes upload webhooks. */
export function uploadWebhooks<const V extends VerifyOption>(options: UploadWebhooksOptions<V>): RequestHandler {
  const { path, ...routerOptions } = options
  const router = createWebhookRouter(routerOptions as WebhookRouterOptions)
  const mountPath = path === undefined ? undefined : trimSlash(path)
  let warned = false

  return function uploadWebhooksMiddleware(req: RawRequest, res: Response, next: NextFunction) {
    if (mountPath !== undefined && trimSlash(pathOf(req.url)) !== mountPath) return next()
    router
      .receive({
        method: req.method,
        // X-Forwarded-* count only when Express `trust proxy` trusts the peer; asked only when they are there.
        url: nodeRequestUrl(req, req.originalUrl, () => trusted(req)),
        headers: req.headers,
        body: nodeRequestBody(req, {
          // Express's parsers keep bytes only by reading the stream: looked up only once it is read.
          kept: () => [req.body, req.rawBody],
          framework: 'Express',
          fix: PARSED_FIX,
        }),
      })
      .then((result) => {
        // `req.route` is set under app.post(path, mw); an empty baseUrl means app.use(mw) at the root.
        if (!warned && mountPath === undefined && notAWebhook(result.outcome) && req.route === undefined && req.baseUrl === '') {
          warned = true
          ;(routerOptions.logger ?? console).warn(UNMOUNTED)
        }
        writeNodeResponse(res, result)
      }, next)
  }
}

export type { WebhookRouterOptions } from '@upload-webhooks/core'
