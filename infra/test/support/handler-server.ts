import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getResponse, type RequestHandler } from 'msw'

export interface HandlerServer {
  /** `http://127.0.0.1:<port>`: what the code under test is pointed at. */
  url: string
  close(): Promise<void>
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/**
 * Serves msw handlers written for `handlersOrigin` (e.g. `https://qstash.test`) on a real
 * HTTP server on 127.0.0.1, for code that runs in another process, where msw cannot reach.
 * Unmatched requests answer 501 so a wrong path fails the test loudly.
 */
export async function serveHandlers(handlers: RequestHandler[], handlersOrigin: string): Promise<HandlerServer> {
  const server = createServer(async (req, res) => {
    const body = await readBody(req)
    const headers = new Headers()
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
    const request = new Request(new URL(req.url ?? '/', handlersOrigin), {
      method: req.method ?? 'GET',
      headers,
      ...(body.length > 0 ? { body: new Uint8Array(body) } : {}),
    })
    const answer = (await getResponse(handlers, request)) ?? new Response(`no handler for ${req.method} ${req.url}`, { status: 501 })
    res.writeHead(answer.status, Object.fromEntries(answer.headers))
    res.end(Buffer.from(await answer.arrayBuffer()))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  }
}
