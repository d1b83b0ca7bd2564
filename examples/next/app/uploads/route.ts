// What the webhook handlers received, as JSON.
import { listReceived } from '../../lib/received.js'

export const dynamic = 'force-dynamic'

export function GET(): Response {
  return Response.json(listReceived())
}
