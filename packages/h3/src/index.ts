// h3 adapter for both majors, without importing h3: v2 events carry a web `Request` (`event.req`),
// v1 events (Nuxt 4 / Nitro 2) a Node request (`event.node.req`). It converts the request and
// passes core's status, headers and body through unchanged. No policy here.
import { createWebhookRouter, missingRawBody, type RawBody, type RawDelivery, type WebhookRouterOptions } from '@upload-webhooks/core'

/**
 * Core's options. `url` defaults to the request URL as h3 computes it (v2: `event.req.url`, per
 * srvx's proxy settings; v1: like `getRequestURL(event)`: `Host`, and `https` when `X-Forwarded-Proto: https`).
 */
export type UploadWebhooksOptions = WebhookRouterOptions

/** The parts of a Node request (h3 v1's, or srvx's under h3 v2) this adapter reads. */
interface NodeRequest extends AsyncIterable<Uint8Array> {
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
/** The parts of an h3 v2 event this adapter reads (`runtime.node` is srvx's, on Node). */
interface H3V2Event {
  req: Request & { runtime?: { node?: { req?: NodeRequest } } }
}
/** An h3 v1 or v2 event, loose on purpose so the handler type-checks against either major's types. */
export interface H3EventLike {
  req?: unknown
  node?: unknown
}

const READ_FIX = 'do not read the request body (readBody, readRawBody, a body-parsing middleware) before uploadWebhooks handles the request'
// h3 v1's readRawBody() keeps the raw bytes (a Promise<Buffer>) on the Node request under this symbol.
const H3_V1_RAW_BODY = Symbol.for('h3RawBody')

const isRaw = (value: unknown): value is RawBody =>
  value instanceof Uint8Array || typeof value === 'string' || typeof (value as ReadableStream | undefined)?.getReader === 'function'

async function fromV1(event: H3V1Event): Promise<RawDelivery> {
  const req = event.node.req
  const web = event.web?.request
  // As h3 v1's getRequestURL(event) builds it.
  const proto = req.headers['x-forwarded-proto'] === 'https' || req.socket?.encrypted ? 'https' : 'http'
  const path = (req.originalUrl ?? event.path ?? req.url ?? '/').replace(/^[/\\]+/, '/')
  const url = web?.url ?? `${proto}://${req.headers.host ?? 'localhost'}${path}`
  const kept = await req[H3_V1_RAW_BODY]
  let body: RawBody
  if (web?.body) body = web.body
  else if (isRaw(event._requestBody)) body = event._requestBody
  else if (kept instanceof Uint8Array) body = kept
  else if (isRaw(req.rawBody)) body = req.rawBody
  else if (isRaw(req.body)) body = req.body
  else if (req.body !== undefined || req.readableEnded) body = missingRawBody(READ_FIX)
  else body = req
  return { method: event.method ?? req.method ?? 'GET', url, headers: req.headers, body }
}

function fromV2(event: H3V2Event): RawDelivery {
  const { req } = event
  // On Node, srvx keeps the IncomingMessage: reading it directly skips a web-stream wrapper per request.
  const node = req.runtime?.node?.req
  const body = req.bodyUsed || node?.readableEnded ? missingRawBody(READ_FIX) : (node ?? req.body)
  return { method: req.method, url: req.url, headers: node?.headers ?? req.headers, body }
}

/**
 * h3 event handler (v1 and v2) that verifies, dedupes and routes upload webhooks: `export default`
 * it from a Nuxt server route, or `app.use('/api/webhooks/upload', handler)`. Core's status, headers
 * and body reach the client unchanged on both majors.
 */
export function uploadWebhooks(
  options: UploadWebhooksOptions,
): ((event: H3EventLike) => Promise<Response | string>) & { __is_handler__: true } {
  const router = createWebhookRouter(options)
  async function uploadWebhooksHandler(event: H3EventLike): Promise<Response | string> {
    if (typeof (event as Partial<H3V2Event>).req?.headers?.get === 'function') {
      const result = await router.receive(fromV2(event as H3V2Event))
      return new Response(result.body, { status: result.status, headers: result.headers })
    }
    // h3 v1 streams a returned Response chunk by chunk; status and headers on the Node response
    // and a string body are sent in one write (pnpm bench: about twice the throughput).
    const result = await router.receive(await fromV1(event as H3V1Event))
    const { res } = (event as H3V1Event).node
    res.statusCode = result.status
    for (const name in result.headers) res.setHeader(name, result.headers[name]!)
    return result.body
  }
  // The marker defineEventHandler() sets: h3 v1 then takes it as an event handler, never as a
  // Node middleware (fromNodeMiddleware) or a function to convert; v2 ignores it.
  return Object.assign(uploadWebhooksHandler, { __is_handler__: true as const })
}

export type { WebhookRouterOptions } from '@upload-webhooks/core'
