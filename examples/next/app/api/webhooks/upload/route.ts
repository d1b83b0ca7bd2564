// The webhook route: QStash delivers here (POST /api/webhooks/upload).
import { uploadWebhooks } from '@upload-webhooks/next'
import { deferOptionsFromEnv } from '../../../../lib/defer-setup.js'
import { recordDelivery } from '../../../../lib/delivery-log.js'
import { handlers } from '../../../../lib/handlers.js'
import { webhookSetupFromEnv } from '../../../../lib/webhook-setup.js'

// node:crypto verification and the ioredis store (core's, from REDIS_URL) need the Node.js runtime.
export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

// Built on the first delivery, not when `next build` imports this module (no Redis connection then).
// No `store`: core's comes from UPSTASH_REDIS_REST_URL/_TOKEN, else REDIS_URL, else memory (in the
// deferred mode, one in-memory store shared with the consumer route).
let handle: ((request: Request) => Promise<Response>) | undefined

export function POST(request: Request): Promise<Response> {
  if (!handle) {
    const { verify, production } = webhookSetupFromEnv()
    // DEFER_URL set: each delivery goes to QStash, then to the consumer route (lib/defer-setup.ts).
    handle = uploadWebhooks({ verify, production, handlers, onDelivery: recordDelivery, ...deferOptionsFromEnv() })
  }
  return handle(request)
}

// Other methods reach the router too, so they get its 405: a JSON body and `Allow: POST`
// (Next's own 405 for a method a route does not export has neither).
export { POST as DELETE, POST as GET, POST as PATCH, POST as PUT }
