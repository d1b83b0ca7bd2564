// The decode step: the verified bytes as JSON, then as the verifier's own sender's event. No
// guessing across senders: each verifier decodes only its own format.

import { typeFieldEvent } from '../events/normalise.js'
import type { WebhookEvent } from '../senders/registry.js'
import type { DeliveryBody, HeaderBag, Verifier } from '../types.js'
import { refuse } from './answer.js'

export function decode(body: DeliveryBody, verifier: Verifier, headers: HeaderBag): WebhookEvent {
  let payload: unknown
  try {
    payload = JSON.parse(body.text)
  } catch {
    refuse(400, 'malformed_json', 'the body is not valid JSON')
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
    refuse(400, 'malformed_json', 'the body must be a JSON object')
  const event = (verifier.toEvent ?? typeFieldEvent)(payload as Record<string, unknown>, headers)
  if (!event) refuse(400, 'missing_event_type', 'no event type in the body')
  event.sender = verifier.name
  return event
}
