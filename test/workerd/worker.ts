// A Worker as users write one: the router made in global scope, where workerd forbids I/O, timers
// and randomness. Bundled from core's built `dist` and run in workerd by workerd.test.ts.
import { createWebhookRouter, memoryStore, qstash, upstashStore, type WebhookRouter } from '@upload-webhooks/core'
import { devSigningKeys, silentLogger } from '@upload-webhooks/core/testing'
import { Redis } from '@upstash/redis/cloudflare'

interface Env {
  UPSTASH_REDIS_REST_URL: string
  UPSTASH_REDIS_REST_TOKEN: string
}

const handled: string[] = []
const handlers = {
  onUploadComplete: (event: { file: { id: string } }, context: { deliveryId: string }) => {
    handled.push(`${context.deliveryId}:${event.file.id}`)
  },
}

const router = createWebhookRouter({ verify: qstash(devSigningKeys), store: memoryStore(), handlers, logger: silentLogger })

// Bindings reach a Worker only with a request, so a store over them is made on the first one.
let upstashRouter: WebhookRouter | undefined
const upstash = (env: Env) =>
  (upstashRouter ??= createWebhookRouter({
    verify: qstash(devSigningKeys),
    store: upstashStore(new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN })),
    handlers,
    logger: silentLogger,
  }))

export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    const { pathname } = new URL(request.url)
    if (pathname === '/handled') return Response.json(handled)
    if (pathname.startsWith('/upstash/')) return upstash(env).handle(request)
    return router.handle(request)
  },
}
