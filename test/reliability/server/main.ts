// One reliability server process: `node --import tsx --conditions=@upload-webhooks/source main.ts <adapter>`.
// Listens on a free loopback port, prints `ready <port>`, and on SIGTERM prints `stats <json>` and exits.
// With RELIABILITY_DEFER_QUEUE it is an ingress: it defers every delivery to that BullMQ queue.
import { createServer, type Server } from 'node:http'
import type { WebhookRouterOptions } from '@upload-webhooks/core'
import { createRedis, createRouterOptions, emptyStats, readServerEnv, redisReady, type ServerStats, WEBHOOK_PATH } from './options.js'

/** `h3` is h3 v1 (Nuxt 4), `h3v2` is h3 2.x, `node` is bare node:http over `router.receive`. */
export type AdapterName = 'express' | 'h3' | 'h3v2' | 'node'

const print = (line: string) => process.stdout.write(`${line}\n`)

async function listen(adapter: AdapterName, options: WebhookRouterOptions): Promise<Server> {
  if (adapter === 'express') {
    const { default: express } = await import('express')
    const { uploadWebhooks } = await import('@upload-webhooks/express')
    const app = express()
    app.use(uploadWebhooks({ ...options, path: WEBHOOK_PATH }))
    return createServer(app)
  }
  if (adapter === 'h3') {
    // h3 v1: what Nuxt 4 / Nitro 2 run.
    const { createApp, toNodeListener } = await import('h3-v1')
    const { uploadWebhooks } = await import('@upload-webhooks/h3')
    const app = createApp()
    app.use(WEBHOOK_PATH, uploadWebhooks(options))
    return createServer(toNodeListener(app))
  }
  if (adapter === 'h3v2') {
    const { H3 } = await import('h3')
    const { toNodeHandler } = await import('h3/node')
    const { uploadWebhooks } = await import('@upload-webhooks/h3')
    const app = new H3()
    app.use(WEBHOOK_PATH, uploadWebhooks(options))
    return createServer(toNodeHandler(app) as Parameters<typeof createServer>[1])
  }
  // Bare node:http over router.receive: a reference point with no framework in between.
  const { createWebhookRouter } = await import('@upload-webhooks/core')
  const router = createWebhookRouter(options)
  return createServer((req, res) => {
    if (req.url?.split('?')[0] !== WEBHOOK_PATH) {
      res.writeHead(404).end()
      return
    }
    router.receive({ method: req.method ?? 'GET', url: `http://${req.headers.host}${req.url}`, headers: req.headers, body: req }).then(
      (result) => res.writeHead(result.status, result.headers).end(result.body),
      () => res.writeHead(500).end(),
    )
  })
}

/** Every handled type to the queue: the handlers above then never run here, a worker process runs them. */
async function deferEngine(queueName: string, redisUrl: string) {
  const { deferToBullMQ } = await import('@upload-webhooks/core/bullmq')
  const { deferQueue, JOB_OPTIONS } = await import('./defer.js')
  return deferToBullMQ(deferQueue(queueName, redisUrl), JOB_OPTIONS)
}

async function main() {
  const adapter = process.argv[2] as AdapterName
  if (!['express', 'h3', 'h3v2', 'node'].includes(adapter)) throw new Error(`usage: main.ts express|h3|h3v2|node (got ${adapter})`)
  const env = readServerEnv()
  const redis = createRedis(env.redisUrl)
  // ioredis reports every failed reconnect; the router's 503s are what the tests look at.
  redis.on('error', () => {})
  await redisReady(redis)
  const stats: ServerStats = emptyStats()
  const options = createRouterOptions(env, redis, stats, print)
  const server = await listen(adapter, env.deferQueue ? { ...options, defer: await deferEngine(env.deferQueue, env.redisUrl) } : options)
  server.keepAliveTimeout = 30_000
  server.listen(0, '127.0.0.1', () => print(`ready ${(server.address() as { port: number }).port}`))
  process.on('SIGTERM', () => {
    print(`stats ${JSON.stringify(stats)}`)
    server.closeAllConnections()
    server.close()
    redis.disconnect()
    process.exit(0)
  })
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
