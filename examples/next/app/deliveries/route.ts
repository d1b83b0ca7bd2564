// The live delivery log as JSON: the last 100 delivery reports and the received uploads, newest first.
import { readDeliveryLog } from '../../lib/delivery-log.js'

export const dynamic = 'force-dynamic'

export function GET(): Response {
  return Response.json(readDeliveryLog())
}
