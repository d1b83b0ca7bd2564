// h3 adapter for both majors, without importing h3: v2 events carry a web `Request` (`event.req`),
// v1 events (Nuxt 4 / Nitro 2) a Node request (`event.node.req`). Converts the request with core's
// adapter toolkit and passes core's answer through unchanged. No policy here.
import { createWebhookRouter, type RawDelivery, type VerifyOption, type WebhookRouterOptions } from '@upload-webhooks/core'
import type { WebResponseHeadLike } from '@upload-webhooks/core/adapter'
import { nodeRequestBody, nodeRequestUrl, webRequestBody, webRequestUrl, writeNodeHead, writeWebHead } from '@upload-webhooks/core/adapter'
import { inNitroProductionBuild } from './nitro.js'

export interface UploadWebhooksOptions<V extends VerifyOption = VerifyOption> extends WebhookRouterOptions<V> {
  /**
   * Core's `production` rules (published dev keys refused, a public URL required). Default: true in
   * a server Nitro (Nuxt) built for production, however it is started; elsewhere `NODE_ENV === 'production'`.
   */
  production?: boolean
  /**
   * Build the request URL from `X-Forwarded-Proto` / `X-Forwarded-Host`: only behind a proxy
   * that sets them and strips clients' own. Default: false (`Host` and the connection itself).
   */
  trustProxy?: boolean
}

/** The parts of a Node request (h3 v1's, or srvx's under h3 v2) this adapter reads. */
interface NodeRequest {
  method?: string
  url?: string
  originalUrl?: string
  headers: Record<string, string | string[] | undefined>
  readableEnded?: boolean
  socket?: { encrypted?: boolean }
  rawBody?: unknown
  body?: unknown
  [key: symbol]: unknown
}
interface H3V1Event {
  method?: string
  path?: string
  web?: { request?: Request }
  _requestBody?: unknown
  node: { req: NodeRequest; res: { statusCode: number; setHeader(name: string, value: string): unknown } }
}
/** The parts of an h3 v2 event read here (`runtime.node` is srvx's, on Node). */
interface H3V2Event {
  req: Request & { runtime?: { node?: { req?: NodeRequest } } }
  res: WebResponseHeadLike
}
/** An h3 v1 or v2 event, loose on purpose so the handler type-checks against either major's types. */
export interface H3EventLike {
  req?: unknown
  node?: unknown
}

const READ_FIX = 'do not read the request body (readBody, readRawBody, a body-parsing middleware) before uploadWebhooks handles the request'
// h3 v1's readRawBody() keeps the raw bytes (a Promise<Buffer>) on the Node request under this symbol.
const H3_V1_RAW_BODY = Symbol.for('h3RawBody')

function fromV1(event: H3V1Event, trustProxy: boolean, keptByH3 = event.node.req[H3_V1_RAW_BODY]): RawDelivery | Promise<RawDelivery> {
  // readRawBody() ran: its bytes, once they are there. Only then a promise: one per request costs a turn.
  if (keptByH3 instanceof Promise) return keptByH3.then((bytes: unknown) => fromV1(event, trustProxy, bytes ?? null))
  const req = event.node.req
  const path = req.originalUrl ?? event.path ?? req.url ?? '/'
  // Under toWebHandler (edge presets) the Node request is synthetic: the web Request's URL knows the host.
  const url = nodeRequestUrl(req, path, trustProxy, event.web?.request?.url)
  const kept = [event.web?.request?.body, event._requestBody, keptByH3, req.rawBody, req.body]
  const body = nodeRequestBody(req, { kept, consumed: req.body !== undefined, framework: 'h3', fix: READ_FIX })
  return { method: event.method ?? req.method ?? 'GET', url, headers: req.headers, body }
}

function fromV2(event: H3V2Event, trustProxy: boolean): RawDelivery {
  const { req } = event
  // On Node, srvx's IncomingMessage: no web stream per request, and the URL built as v1 builds it.
  const node = req.runtime?.node?.req
  if (node && !req.bodyUsed) {
    const url = nodeRequestUrl(node, node.url ?? '/', trustProxy)
    return { method: req.method, url, headers: node.headers, body: nodeRequestBody(node, { framework: 'h3', fix: READ_FIX }) }
  }
  return { method: req.method, url: webRequestUrl(req, trustProxy), headers: req.headers, body: webRequestBody(req, 'h3', READ_FIX) }
}

/**
 * h3 event handler (v1 and v2) that verifies, dedupes and routes upload webhooks: `export default`
 * it from a Nuxt server route, or `app.use('/api/webhooks/upload', handler)`.
 */
export function uploadWebhooks<const V extends VerifyOption>(
  options: UploadWebhooksOptions<V>,
): ((event: H3EventLike) => Promise<string>) & { __is_handler__: true } {
  const { trustProxy = false, production = inNitroProductionBuild() || undefined, ...routerOptions } = options
  const router = createWebhookRouter({ ...routerOptions, ...(production === undefined ? {} : { production }) } as WebhookRouterOptions)
  async function uploadWebhooksHandler(event: H3EventLike): Promise<string> {
    // v2's `req` is a web Request (v1's deprecated `req` is the Node request, which has no `text()`);
    // probing `text` leaves srvx's lazily built headers wrapper unbuilt, where `headers.get` would not.
    if (typeof (event as Partial<H3V2Event>).req?.text === 'function') {
      // A string answer skips the web stream Node builds for a returned Response's body.
      return writeWebHead((event as H3V2Event).res, await router.receive(fromV2(event as H3V2Event, trustProxy)))
    }
    // h3 v1 streams a returned Response chunk by chunk: the Node response's way instead.
    const delivery = fromV1(event as H3V1Event, trustProxy)
    const result = await router.receive(delivery instanceof Promise ? await delivery : delivery)
    return writeNodeHead((event as H3V1Event).node.res, result)
  }
  // defineEventHandler()'s marker: h3 v1 takes it as an event handler, never a Node middleware; v2 ignores it.
  return Object.assign(uploadWebhooksHandler, { __is_handler__: true as const })
}

export type { WebhookRouterOptions } from '@upload-webhooks/core'
