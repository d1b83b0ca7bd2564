// Says at startup what the environment chose, and refuses to start on a bad one (in production:
// no real keys or no WEBHOOK_PUBLIC_URL; DEFER_URL without QSTASH_TOKEN). What is made here is only
// checked: each route builds its own on first use (Next bundles this hook and each route separately).
import { WebhookConfigError } from '@upload-webhooks/core'
import { deferOptionsFromEnv, deferSetupFromEnv } from './lib/defer-setup.js'
import { webhookSetupFromEnv } from './lib/webhook-setup.js'

const INLINE = 'handlers: inline, in the webhook route (set DEFER_URL and QSTASH_TOKEN to defer them through QStash)'

/** The startup summary, or exit 1 naming the fix when the environment is refused. */
export function webhookSummaryOrExit(production?: boolean): string[] {
  try {
    const summary = webhookSetupFromEnv(process.env, production).summary
    deferOptionsFromEnv() // makes the QStash client: a bad option stops the start, not the first delivery
    return [...summary, ...(deferSetupFromEnv()?.summary ?? [INLINE])]
  } catch (error) {
    if (!(error instanceof WebhookConfigError)) throw error
    // Exit ourselves: `next start` logs a failing register() and keeps serving.
    console.error(`[example-next] cannot start: ${error.message}`)
    process.exit(1)
  }
}

export function logWebhookSetupOrExit(): void {
  const summary = webhookSummaryOrExit()
  for (const line of summary) console.log(`[example-next] ${line}`)
  console.log('[example-next] webhook: POST /api/webhooks/upload · received: GET /uploads')
}
