// Express 4 and 5 adapter: converts the request to a RawDelivery and the result back. No policy here.
import { createWebhookRouter, missingRawBody, type RawBody, type WebhookRouterOptions } from '@upload-webhooks/core'
import type { NextFunction, Request, RequestHandler, Response } from 'express'

export interface UploadWebhooksOptions extends WebhookRouterOptions {
  /**
   * Only requests whose `req.path` (relative to where the middleware is mounted, so the full
   * path under `app.use(mw)`) equals this are handled; others go to `next()`. Use it with
   * `app.use()`. Default: none — every request reaching the middleware is handled (`app.post(path, mw)`).
   */
  path?: string
}

const PARSED_FIX = 'mount uploadWebhooks before express.json(), or use express.raw({ type: "application/json" }) on this route'

type RawRequest = Request & { rawBody?: unknown; _body?: boolean }

const trimSlash = (path: string) => (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path)

/** Bytes a body parser already kept, the untouched stream, or a marker that the bytes are gone. */
function rawBodyOf(req: RawRequest): RawBody {
  if (req.body instanceof Uint8Array) return req.body
  if (req.rawBody instanceof Uint8Array || typeof req.rawBody === 'string') return req.rawBody
  // body-parser sets `_body` once it consumed the stream; `readableEnded` catches other readers.
  if (req._body === true || req.readableEnded) return missingRawBody(PARSED_FIX)
  return req
}

/**
 * Host the way Express 5's `req.host` computes it (with port), also on Express 4 whose
 * `req.host` drops the port: `X-Forwarded-Host` only when `trust proxy` trusts the peer.
 */
function hostOf(req: Request): string | undefined {
  const forwarded = req.get('x-forwarded-host')
  const trust = req.app.get('trust proxy fn') as ((address: string | undefined, hop: number) => boolean) | undefined
  if (forwarded && trust?.(req.socket.remoteAddress, 0)) return forwarded.split(',')[0]!.trim()
  return req.get('host')
}

/** Express middleware (or route handler) that verifies, dedupes and routes upload webhooks. */
export function uploadWebhooks(options: UploadWebhooksOptions): RequestHandler {
  const { path, ...routerOptions } = options
  const router = createWebhookRouter(routerOptions)
  const mountPath = path === undefined ? undefined : trimSlash(path)

  return function uploadWebhooksMiddleware(req: Request, res: Response, next: NextFunction) {
    if (mountPath !== undefined && trimSlash(req.path) !== mountPath) return next()
    router
      .receive({
        method: req.method,
        // X-Forwarded-Proto/-Host count only when Express `trust proxy` is on (options.url overrides).
        url: `${req.protocol}://${hostOf(req) ?? 'localhost'}${req.originalUrl}`,
        headers: req.headers,
        body: rawBodyOf(req),
      })
      .then((result) => {
        res.status(result.status)
        for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value)
        res.end(result.body)
      }, next)
  }
}

export type { WebhookRouterOptions } from '@upload-webhooks/core'
