// The consumer route of the deferred mode (DEFER_URL set): QStash delivers each job the webhook
// route deferred here (POST /api/webhooks/upload/consumer), and the worker runs its handler.
import type { WebhookWorker } from '@upload-webhooks/core'
import { workerFromEnv } from '../../../../../lib/defer-setup.js'
import { recordJob } from '../../../../../lib/job-log.js'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

// Made on the first job, not when `next build` imports this module.
let worker: WebhookWorker | undefined | null

export async function POST(request: Request): Promise<Response> {
  if (worker === undefined) worker = workerFromEnv() ?? null
  if (!worker) {
    return Response.json(
      { status: 'error', reason: 'not_deferred', fix: 'set DEFER_URL to defer deliveries to this route' },
      { status: 404 },
    )
  }
  const at = new Date()
  const started = performance.now()
  const copy = request.clone() // the worker reads the body; the log reads the job from this copy
  const response = await worker.handle(request)
  await recordJob(copy, response, at, started)
  return response
}
