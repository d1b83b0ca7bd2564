// `pnpm worker`: runs the handlers of the deliveries the app deferred (DEFER=bullmq, REDIS_URL).
// Start as many as you like: each delivery's handler still runs once.
import { existsSync } from 'node:fs'
import { WebhookConfigError } from '@upload-webhooks/core'
import { type DeferPlan, deferPlanFromEnv, QUEUE_NAME } from './defer-setup.js'
import { startWorker, workerHandlers } from './deferred-worker.js'

// The same .env as the app's: the worker must use its Redis, store and key prefix.
if (existsSync('.env')) process.loadEnvFile('.env')

const refuse = (message: string): never => {
  console.error(`[example-express worker] cannot start: ${message}`)
  process.exit(1)
}

let plan: DeferPlan | undefined
try {
  plan = deferPlanFromEnv()
} catch (error) {
  if (!(error instanceof WebhookConfigError)) throw error
  refuse(error.message)
}
if (!plan) refuse('DEFER is not set, so the app runs its handlers itself. Set DEFER=bullmq and REDIS_URL for both (in .env).')

const running = await startWorker({ redisUrl: plan!.redisUrl, handlers: workerHandlers })
console.log(
  `[example-express worker] running deferred deliveries from BullMQ queue "${QUEUE_NAME}" on Redis at ${new URL(plan!.redisUrl).host}`,
)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void running.close().then(() => process.exit(0)))
}
