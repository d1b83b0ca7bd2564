// The worker `pnpm demo:defer` starts (and kills): deferred-worker.ts with the app's handlers made
// slow and counted in Redis (demo-counters.ts), and short leases so a killed worker's job moves
// on within seconds.
import type { WorkerHandlers } from '@upload-webhooks/core'
import { Redis } from 'ioredis'
import { startWorker, workerHandlers } from './deferred-worker.js'
import { effectsKey, HANDLER_SECONDS, startedKey } from './demo-counters.js'

const redisUrl = process.env.REDIS_URL
if (!redisUrl) throw new Error('the demo starts this worker with REDIS_URL set')
const counters = new Redis(redisUrl)

const handlers: WorkerHandlers = {
  onUploadComplete: async (event, ctx) => {
    await counters.incr(startedKey(ctx.deliveryId))
    await new Promise((resolve) => setTimeout(resolve, HANDLER_SECONDS * 1000))
    await workerHandlers.onUploadComplete!(event, ctx)
    await counters.incr(effectsKey(ctx.deliveryId))
  },
}

await startWorker({
  redisUrl,
  handlers,
  // Above the handler's duration, as the option asks; short, so the demo stays short.
  lockSeconds: HANDLER_SECONDS + 1,
  bullmq: { lockDuration: 1000, stalledInterval: 1000 },
})
console.log('demo worker ready')
