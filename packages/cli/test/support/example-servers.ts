// The Express example, started on port 0 in the states `send` and `doctor` must diagnose.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cloudinary, memoryStore, qstash, sonuslab, standardWebhooks, uploadcare, type WebhookEvent } from '@upload-webhooks/core'
import { redisStore } from '@upload-webhooks/core/redis'
import { devSecret, devSigningKeys, devStandardWebhooksSecret, silentLogger } from '@upload-webhooks/core/testing'
import { uploadWebhooks } from '@upload-webhooks/express'
import express, { type Express } from 'express'
import { Redis } from 'ioredis'
import { createApp, WEBHOOK_PATH } from '../../../../examples/express/src/app.js'
import { handlers } from '../../../../examples/express/src/handlers.js'
import { webhookSetupFromEnv } from '../../../../examples/express/src/webhook-setup.js'
import { freePort } from '../../../../test/support/redis-server.js'

export interface RunningServer {
  /** The webhook endpoint: `http://127.0.0.1:<port>/api/webhooks/upload`. */
  url: string
  /** Same server, another path. */
  at(path: string): string
  close(): Promise<void>
}

function listen(app: Express, cleanup: () => void = () => {}): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(0, '127.0.0.1', (error?: Error) => {
      if (error) return reject(error)
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      resolve({
        url: `${origin}${WEBHOOK_PATH}`,
        at: (path) => `${origin}${path}`,
        close: () =>
          new Promise<void>((done) => {
            cleanup()
            server.closeAllConnections()
            server.close(() => done())
          }),
      })
    })
  })
}

/** The example as `pnpm dev` runs it with no environment: dev keys, in-memory store. */
export function healthyExample(): Promise<RunningServer> {
  return listen(createApp({ setup: webhookSetupFromEnv({}), store: memoryStore(), handlers, logger: silentLogger }))
}

/** The example configured for another public URL than the one deliveries reach (WEBHOOK_PUBLIC_URL). */
export function wrongUrlExample(publicUrl: string): Promise<RunningServer> {
  const setup = webhookSetupFromEnv({ WEBHOOK_PUBLIC_URL: publicUrl })
  return listen(createApp({ setup, store: memoryStore(), handlers, logger: silentLogger }))
}

/** The classic mistake: express.json() mounted before the webhook middleware. */
export function jsonParserFirst(): Promise<RunningServer> {
  const app = express()
  app.use(express.json())
  app.use(uploadWebhooks({ path: WEBHOOK_PATH, verify: qstash({ ...devSigningKeys }), handlers, logger: silentLogger }))
  return listen(app)
}

/** The example on a Redis store whose server is gone (a closed port; no offline queue, as the example sets it). */
export async function storeDownExample(): Promise<RunningServer> {
  const client = new Redis(`redis://127.0.0.1:${await freePort()}`, { enableOfflineQueue: false, maxRetriesPerRequest: 0 })
  client.on('error', () => {}) // connection refused, over and over: the state under test
  const setup = { verify: qstash({ ...devSigningKeys }), production: false, summary: [] }
  return listen(createApp({ setup, store: redisStore(client), handlers, logger: silentLogger }), () => client.disconnect())
}

/** What a handler of the every-sender server saw. */
export interface Seen {
  type: string
  sender: string
  deliveryId: string
  fileName: string | undefined
}

/** One endpoint verifying every sender on its dev key, with a handler for each default event type. */
export function everySenderServer(seen: Seen[]): Promise<RunningServer> {
  const record = async (event: WebhookEvent, ctx: { deliveryId: string }) => {
    seen.push({
      type: event.type,
      sender: event.sender,
      deliveryId: ctx.deliveryId,
      fileName: 'file' in event ? event.file?.name : undefined,
    })
  }
  const verify = [
    qstash({ ...devSigningKeys }),
    sonuslab({ secret: devSecret }),
    uploadcare({ secret: devSecret }),
    // Sonuslab declares `upload.completed`: Standard Webhooks reaches that handler only by declaring it too.
    standardWebhooks({ secret: devStandardWebhooksSecret, events: ['upload.completed'] }),
    cloudinary({ apiSecret: devSecret }),
  ]
  const handlers = {
    onUploadComplete: record,
    'upload.completed': record,
    'file.uploaded': record,
    upload: record,
  }
  const app = express()
  app.use(uploadWebhooks({ path: WEBHOOK_PATH, verify, handlers, logger: silentLogger }))
  return listen(app)
}

/** Each sender's verifier on its dev key, as a user configures it: nothing declared beyond its own types. */
const soleVerifiers = {
  qstash: () => qstash({ ...devSigningKeys }),
  sonuslab: () => sonuslab({ secret: devSecret }),
  uploadcare: () => uploadcare({ secret: devSecret }),
  'standard-webhooks': () => standardWebhooks({ secret: devStandardWebhooksSecret }),
  cloudinary: () => cloudinary({ apiSecret: devSecret }),
} as const

/** An endpoint verifying one sender only, with a handler for each of `types`. */
export function soleSenderServer(sender: keyof typeof soleVerifiers, types: readonly string[], seen: Seen[]): Promise<RunningServer> {
  const record = async (event: WebhookEvent, ctx: { deliveryId: string }) => {
    seen.push({ type: event.type, sender: event.sender, deliveryId: ctx.deliveryId, fileName: undefined })
  }
  const handlers = Object.fromEntries(types.map((type) => [type, record]))
  const app = express()
  app.use(uploadWebhooks({ path: WEBHOOK_PATH, verify: soleVerifiers[sender](), handlers, logger: silentLogger }))
  return listen(app)
}

/**
 * The webhook route with Next.js's method handling: only POST exported, so GET gets 405 without
 * `Allow`, and OPTIONS lists the methods (`lenient: false` drops that too).
 */
export function nextStyleRoute(lenient = true): Promise<RunningServer> {
  const app = express()
  app.get(WEBHOOK_PATH, (_req, res) => void res.status(405).end())
  // Express would answer OPTIONS itself (with Allow); both variants answer it explicitly.
  app.options(WEBHOOK_PATH, (_req, res) => void (lenient ? res.set('allow', 'OPTIONS, POST').status(204) : res.status(405)).end())
  app.post(WEBHOOK_PATH, uploadWebhooks({ verify: qstash({ ...devSigningKeys }), handlers, logger: silentLogger }))
  return listen(app)
}
