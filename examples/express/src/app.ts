// The Express app: the webhook route from our adapter, the live delivery log at /, and the state
// the handlers write at GET /uploads.
import { Readable } from 'node:stream'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { fileURLToPath } from 'node:url'
import type { DedupeStore, DeferEngine, DeliveryObserver, Logger, WebhookHandlers } from '@upload-webhooks/core'
import { uploadWebhooks } from '@upload-webhooks/express'
import express, { type Express } from 'express'
import { deliveryLogStream, EVENT_STREAM_HEADERS, readDeliveryLog, recordDelivery } from './delivery-log.js'
import { listReceived } from './received.js'
import type { WebhookSetup } from './webhook-setup.js'

export const WEBHOOK_PATH = '/api/webhooks/upload'

export interface AppOptions {
  setup: WebhookSetup
  handlers: WebhookHandlers
  /** Default: core's, from UPSTASH_REDIS_REST_URL/_TOKEN, else REDIS_URL, else in memory. */
  store?: DedupeStore
  /** Where the router's warnings and errors go. Default: `console`. */
  logger?: Logger
  /** Each request's report. Default: `recordDelivery` (a terminal line, and a row on the home page). */
  onDelivery?: DeliveryObserver
  /** Where deliveries go to be handled later (`connectDeferred` in defer-setup.ts). Default: none, handlers run inline. */
  defer?: DeferEngine
}

/** The stylesheet, the page's script and the favicon, shared with the other examples. */
const PUBLIC_DIR = fileURLToPath(new URL('../public', import.meta.url))

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>upload-webhooks · Express example</title>
    <link rel="icon" href="/favicon.svg" type="image/svg+xml">
    <link rel="stylesheet" href="/delivery-log.css">
    <script src="/delivery-log.js" defer></script>
  </head>
  <body>
    <h1>upload-webhooks · Express</h1>
    <p>Signed deliveries arrive at <code>POST ${WEBHOOK_PATH}</code>. Every attempt and its verdict shows here as it happens.</p>
    <main id="delivery-log" data-webhook-path="${WEBHOOK_PATH}">
      <noscript><p>The live log needs JavaScript; without it, see <a href="/deliveries">GET /deliveries</a> and <a href="/uploads">GET /uploads</a>.</p></noscript>
    </main>
  </body>
</html>
`

export function createApp({ setup, handlers, store, logger, onDelivery = recordDelivery, defer }: AppOptions): Express {
  const app = express()
  // Before any body parser: the signature covers the raw bytes, which the adapter reads itself.
  app.use(
    uploadWebhooks({
      path: WEBHOOK_PATH,
      verify: setup.verify,
      production: setup.production,
      handlers,
      onDelivery,
      ...(store ? { store } : {}),
      ...(logger ? { logger } : {}),
      ...(defer ? { defer } : {}),
    }),
  )
  app.use(express.json())
  app.use(express.static(PUBLIC_DIR))
  app.get('/uploads', (_req, res) => {
    res.json(listReceived())
  })
  app.get('/deliveries', (_req, res) => {
    res.json(readDeliveryLog())
  })
  app.get('/deliveries/stream', (_req, res) => {
    res.writeHead(200, EVENT_STREAM_HEADERS)
    const stream = Readable.fromWeb(deliveryLogStream() as NodeReadableStream<Uint8Array>)
    // A closed page destroys the stream, which cancels it and drops its listener.
    res.once('close', () => stream.destroy())
    stream.pipe(res)
  })
  app.get('/', (_req, res) => {
    res.type('html').send(PAGE)
  })
  return app
}
