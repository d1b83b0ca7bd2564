// Runs once when the server starts: says what the environment chose, and refuses to start on a
// bad one (in a production build, however started: no real keys or no WEBHOOK_PUBLIC_URL).
import { WebhookConfigError } from '@upload-webhooks/core'
import { type WebhookEnv, webhookSetupFromEnv } from '../utils/webhook-setup.js'

export default () => {
  let summary: string[]
  try {
    // `node .output/server/index.mjs`, as `nuxt build` suggests, leaves NODE_ENV unset.
    summary = webhookSetupFromEnv(process.env as WebhookEnv, !import.meta.dev).summary
  } catch (error) {
    if (!(error instanceof WebhookConfigError)) throw error
    // A throw would stop the server too (Nitro runs plugins on import), but as a stack trace.
    console.error(`[example-nuxt] cannot start: ${error.message}`)
    process.exit(1)
  }
  for (const line of summary) console.log(`[example-nuxt] ${line}`)
  console.log('[example-nuxt] webhook: POST /api/webhooks/upload · received: GET /uploads')
}
