// Runs once when the server starts: says what the environment chose. Creates no client: the
// route builds its own on first use (Next bundles this hook and each route separately).
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return
  const { webhookPlanFromEnv } = await import('./lib/webhook-setup.js')
  for (const line of webhookPlanFromEnv().summary) console.log(`[example-next] ${line}`)
  console.log('[example-next] webhook: POST /api/webhooks/upload · received: GET /uploads')
}
