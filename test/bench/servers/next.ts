// A Next App Router route handler, `(request: Request) => Promise<Response>`, called through a
// plain Node server. Next's own server (which would need `next build` of an app) is not in the
// loop: the bridge below does the part every App Router request pays — a web Request built from
// the Node request, the Response written back — for the bare route and our handler alike.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import type { WebhookRouterOptions } from '@upload-webhooks/core'
import { uploadWebhooks } from '@upload-webhooks/next'
import { BARE_ANSWER, JSON_CONTENT_TYPE } from './variant.js'

type RouteHandler = (request: Request) => Promise<Response>

/** `export async function POST(request)` as a route reading the raw body and parsing JSON. */
const bareRoute: RouteHandler = async (request) => {
  JSON.parse(await request.text())
  return new Response(BARE_ANSWER, { headers: { 'content-type': JSON_CONTENT_TYPE } })
}

function toRequest(req: IncomingMessage): Request {
  const headers = new Headers()
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  return new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  } as RequestInit)
}

async function send(response: Response, res: ServerResponse) {
  res.statusCode = response.status
  response.headers.forEach((value, name) => {
    res.setHeader(name, value)
  })
  res.end(Buffer.from(await response.arrayBuffer()))
}

export function nextListener(options: WebhookRouterOptions | undefined): RequestListener {
  const POST: RouteHandler = options ? uploadWebhooks(options) : bareRoute
  return (req, res) => {
    POST(toRequest(req))
      .then((response) => send(response, res))
      .catch((error: unknown) => {
        console.error('bench: route handler failed', error)
        res.statusCode = 500
        res.end()
      })
  }
}
