// A user's app that follows the README with the infra stack's outputs in its environment: no
// `store` option (REDIS_URL picks the Redis store), and OpenTelemetry's SDK registered before the
// router is made, exporting to memory. Prints what came back, the spans, and the Redis keys.
import { once } from 'node:events'
import { trace } from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { qstash } from '@upload-webhooks/core'
import { createTestDelivery, devSigningKeys } from '@upload-webhooks/core/testing'
import { uploadWebhooks } from '@upload-webhooks/express'
import express from 'express'
import { Redis } from 'ioredis'

const spans = new InMemorySpanExporter()
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }))

const lines = []
const logger = { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) }
const prefix = `scratch-${process.pid}`
const app = express()
app.use(
  uploadWebhooks({
    path: '/api/webhooks/upload',
    verify: qstash({ ...devSigningKeys }),
    dedupe: { keyPrefix: prefix },
    logger,
    handlers: { onUploadComplete: async () => {} },
  }),
)
const server = app.listen(0, '127.0.0.1')
await once(server, 'listening')
const url = `http://127.0.0.1:${server.address().port}/api/webhooks/upload`
// The API and the Redis client load on first use; give them a moment, as a real app's start-up does.
await new Promise((resolve) => setTimeout(resolve, 300))

const answers = []
for (let send = 0; send < 2; send++) {
  const delivery = await createTestDelivery({
    verifier: 'qstash',
    event: { event: 'onUploadComplete', file: { id: 'f' } },
    url,
    deliveryId: 'msg_scratch_1',
  })
  answers.push((await (await fetch(delivery)).json()).status)
}
server.close()
const redis = new Redis(process.env.REDIS_URL)
const keys = await redis.keys(`${prefix}*`)
redis.disconnect()
const finished = spans.getFinishedSpans().map((span) => ({ name: span.name, outcome: span.attributes['upload_webhooks.outcome'] }))
console.log(JSON.stringify({ answers, storeLine: lines.find((line) => line.includes('dedupe store')), keys: keys.length, spans: finished }))
process.exit(0)
