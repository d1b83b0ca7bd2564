// Entry point: `pnpm dev` (tsx watch) or `pnpm build && pnpm start`.
import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { WebhookConfigError } from '@upload-webhooks/core'
import { createApp, WEBHOOK_PATH } from './app.js'
import { connectDeferred, type DeferPlan, deferPlanFromEnv, INLINE_SUMMARY } from './defer-setup.js'
import { handlers } from './handlers.js'
import { type WebhookSetup, webhookSetupFromEnv } from './webhook-setup.js'

// A local .env (see .env.example), if present; the real environment wins over it.
if (existsSync('.env')) process.loadEnvFile('.env')

// A bad environment (in production: no real keys or no WEBHOOK_PUBLIC_URL) stops the app here,
// before it listens, with the message that names the fix.
let setup: WebhookSetup
let plan: DeferPlan | undefined
try {
  setup = webhookSetupFromEnv()
  plan = deferPlanFromEnv()
} catch (error) {
  if (!(error instanceof WebhookConfigError)) throw error
  console.error(`[example-express] cannot start: ${error.message}`)
  process.exit(1)
}
const port = Number(process.env.PORT || 3000)
const host = process.env.HOST || undefined

const deferred = plan ? connectDeferred(plan) : undefined
const app = createApp({ setup, handlers, ...(deferred ? { defer: deferred.defer } : {}) })
// Express 5 calls back with the listen error, if any.
const ready = (error?: Error) => {
  if (error) {
    console.error(`[example-express] cannot listen on port ${port}: ${error.message} (set PORT to a free port)`)
    process.exit(1)
  }
  const { port: actual } = server.address() as AddressInfo
  console.log(`[example-express] listening on http://${host ?? 'localhost'}:${actual}`)
  console.log(`[example-express] webhook: POST ${WEBHOOK_PATH} · live delivery log: http://${host ?? 'localhost'}:${actual}/`)
  for (const line of setup.summary) console.log(`[example-express] ${line}`)
  console.log(`[example-express] ${plan?.summary ?? INLINE_SUMMARY}`)
}
const server = host ? app.listen(port, host, ready) : app.listen(port, ready)

async function stop() {
  await new Promise((closed) => server.close(closed))
  await deferred?.close()
  process.exit(0)
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop())
