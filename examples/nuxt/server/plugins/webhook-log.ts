// Runs once when the server starts: says what the environment chose (creates no client).
import { webhookPlanFromEnv } from '../utils/webhook-setup.js'

export default () => {
  for (const line of webhookPlanFromEnv().summary) console.log(`[example-nuxt] ${line}`)
  console.log('[example-nuxt] webhook: POST /api/webhooks/upload · received: GET /uploads')
}
