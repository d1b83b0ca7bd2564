// An msw handler that answers @upstash/redis's REST calls by running each command on a real
// redis-server, so upstashStore is tested against real Redis semantics, not a fake.

import type { Redis as IORedis } from 'ioredis'
import { HttpResponse, http } from 'msw'

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
