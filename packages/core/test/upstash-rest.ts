// An msw handler that answers @upstash/redis's REST calls by running each command on a real
// redis-server, so upstashStore is tested against real Redis semantics, not a fake. The same
// handlers also serve a real loopback HTTP server, for runtimes msw cannot intercept (workerd).

import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Redis as IORedis } from 'ioredis'
import { getResponse, HttpResponse, http } from 'msw'

export const UPSTASH_URL = 'https://test-redis.upstash.io'

const encode = (value: unknown): unknown =>
  typeof value === 'string' ? Buffer.from(value).toString('base64') : Array.isArray(value) ? value.map(encode) : value

async function run(redis: IORedis, command: unknown[], base64: boolean) {
  try {
    const [name, ...args] = command.map(String)
    const result = await redis.call(name!, ...args)
    return { result: base64 ? encode(result) : result }
  } catch (error) {
    return { error: `ERR ${(error as Error).message}` }
  }
}

/** Handlers for single commands (`POST /`) and pipelines (`POST /pipeline`); `down` makes them fail like an outage. */
export function upstashRestHandlers(redis: IORedis, state: { down: boolean } = { down: false }) {
  return [
    http.post(`${UPSTASH_URL}/pipeline`, async ({ request }) => {
      if (state.down) return HttpResponse.error()
      const base64 = request.headers.get('upstash-encoding') === 'base64'
      const commands = (await request.json()) as unknown[][]
      return HttpResponse.json(await Promise.all(commands.map((c) => run(redis, c, base64))))
    }),
    http.post(`${UPSTASH_URL}/`, async ({ request }) => {
      if (state.down) return HttpResponse.error()
      const base64 = request.headers.get('upstash-encoding') === 'base64'
      const reply = await run(redis, (await request.json()) as unknown[], base64)
      return HttpResponse.json(reply, { status: 'error' in reply ? 400 : 200 })
    }),
  ]
}

export interface UpstashRestServer {
  /** `http://127.0.0.1:<port>`, for `new Redis({ url, token })`. */
  url: string
  close(): Promise<void>
}

/** The handlers above behind a real HTTP server on a free loopback port. */
export async function serveUpstashRest(redis: IORedis, state: { down: boolean } = { down: false }): Promise<UpstashRestServer> {
  const handlers = upstashRestHandlers(redis, state)
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value)
    const request = new Request(new URL(req.url ?? '/', UPSTASH_URL), {
      method: req.method,
      headers,
      ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
    })
    const response = await getResponse(handlers, request)
    // HttpResponse.error() (an outage) and an unknown route both end the connection without an answer.
    if (!response || response.type === 'error') return void res.destroy()
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
