// The preflight step: what can be refused from the request line and headers alone, before a
// byte of the body is read.
import { getHeader } from '../runtime.js'
import type { RawDelivery } from '../types.js'
import { refuse } from './answer.js'

const JSON_TYPE = /^(application\/(?:[\w.+-]+\+)?json|text\/json)\s*(?:;|$)/i

/** Method, content type and declared length; throws a Refusal (405, 415, 413). */
export function preflight(delivery: RawDelivery, maxBodyBytes: number): void {
  if (delivery.method !== 'POST') refuse(405, 'method_not_allowed', undefined, { allow: 'POST' })
  const contentType = getHeader(delivery.headers, 'content-type')
  // A missing content type is read anyway: QStash forwards whatever the publisher sent.
  if (contentType !== undefined && !JSON_TYPE.test(contentType)) refuse(415, 'unsupported_media_type', 'webhook bodies must be JSON')
  if (Number(getHeader(delivery.headers, 'content-length')) > maxBodyBytes)
    refuse(413, 'payload_too_large', undefined, { connection: 'close' })
}
