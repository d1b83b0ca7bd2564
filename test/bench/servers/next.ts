// A Next App Router route handler, `(request: Request) => Promise<Response>`, called through a
// plain Node server. Next's own server (which would need `next build` of an app) is not in the
// loop: the bridge below does the part every App Router request pays — a web Request built from
// the Node request, the Response written back — for the bare route and our handler alike.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { uploadWebhooks } from '@upload-webhooks/next'
import { BARE_ANSWER, JSON_CONTENT_TYPE } from './answers.js'
import type { PeerRecipe } from './peer-recipe.js'
import type { Route } from './variant.js'

type RouteHandler = (request: Request) => Promise<Response>

/** `export async function POST(request)` as a route reading the raw body and parsing JSON. */
const bareRoute: RouteHandler = async (request) => {
  JSON.parse(await request.text())
  return new Response(BARE_ANSWER, { headers: { 'content-type': JSON_CONTENT_TYPE } })
}

/** The same route calling a peer recipe: reads the body and answers the way `bareRoute` does. */
const peerRoute =
  (recipe: PeerRecipe): RouteHandler =>
  async (request) => {
    const { status, body } = await recipe({
      body: await request.text(),
      signature: request.headers.get('upstash-signature') ?? undefined,
      messageId: request.headers.get('upstash-message-id') ?? undefined,
      url: request.url,
    })
    return new Response(body, { status, headers: { 'content-type': JSON_CONTENT_TYPE } })
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

export function nextListener(route: Route): RequestListener {
  const POST: RouteHandler =
    route.kind === 'ours' ? uploadWebhooks(route.options) : route.kind === 'peer' ? peerRoute(route.recipe) : bareRoute
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
