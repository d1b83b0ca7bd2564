// A BullMQ worker process for the kill test: runs createWorker() over a real Redis, reports each
// handler start to a Redis list, then hangs, so the test can SIGKILL it mid-handler.
import { createWorker } from '@upload-webhooks/core'
import { redisStore } from '@upload-webhooks/core/redis'
import { Worker } from 'bullmq'
import { Redis } from 'ioredis'

const [redisUrl, queueName, keyPrefix, startedList] = process.argv.slice(2) as [string, string, string, string]
const client = new Redis(redisUrl)
const worker = createWorker({
  store: redisStore(client),
  dedupe: { keyPrefix, lockSeconds: 5 },
  handlers: {
    'upload.completed': async (_event, ctx) => {
      await client.rpush(startedList, ctx.deliveryId)
      await new Promise(() => {})
    },
  },
})
new Worker(queueName, worker.bullmq, {
  connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
  lockDuration: 1000,
  stalledInterval: 1000,
}).on('failed', worker.bullmqFailed)
