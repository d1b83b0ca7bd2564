// The live delivery log as server-sent events, for the home page.
import { deliveryLogStream, EVENT_STREAM_HEADERS } from '../../../lib/delivery-log.js'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export function GET(): Response {
  return new Response(deliveryLogStream(), { headers: EVENT_STREAM_HEADERS })
}
