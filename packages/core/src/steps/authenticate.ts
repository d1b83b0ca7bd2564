// The authenticate step: choose the verifier whose signature header is present, verify, key a
// delivery its sender sent no ID for by its body, and bound the delivery ID before it can become
// a store key or be echoed back.
import { base64Url, hex, sha256 } from '#crypto'
import { VerificationError } from '../errors.js'
import { andThen, isPromiseLike, type MaybeAsync } from '../runtime.js'
import type { DeliveryBody, Logger, RawDelivery, VerifiedDelivery, Verifier, VerifierResult } from '../types.js'
import { refuse } from './answer.js'

export interface Authenticated {
  verifier: Verifier
  verified: VerifiedDelivery
}

const MAX_DELIVERY_ID_BYTES = 256
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what it refuses
const CONTROL = /[\x00-\x1f\x7f-\x9f]/

/** At most 256 UTF-8 bytes and no control characters: an unsigned header never becomes a huge key or a log injection. */
function validDeliveryId(id: string): boolean {
  if (id.length === 0 || id.length > MAX_DELIVERY_ID_BYTES) return false
  if (PRINTABLE_ASCII.test(id)) return true
  return !CONTROL.test(id) && new TextEncoder().encode(id).length <= MAX_DELIVERY_ID_BYTES
}

/** Verifies with the verifier whose header is present; a Refusal when none is or it refuses. Sync while the verifier is. */
export function authenticate(
  delivery: RawDelivery,
  body: DeliveryBody,
  verifiers: readonly Verifier[],
  publicUrl: string | false | undefined,
  logger: Logger,
): MaybeAsync<Authenticated> {
  const { headers } = delivery
  const verifier = verifiers.length === 1 ? verifiers[0]! : verifiers.find((v) => v.matches(headers))
  if (!verifier) refuse(401, 'missing_signature', `no signature header for: ${verifiers.map((v) => v.name).join(', ')}`)
  let verifying: ReturnType<Verifier['verify']>
  try {
    verifying = verifier.verify({ method: delivery.method, url: delivery.url, publicUrl: publicUrl ?? delivery.url, headers, body })
  } catch (error) {
    return rejected(error, verifier, logger)
  }
  if (!isPromiseLike(verifying)) return identified(verifier, verifying, body)
  return Promise.resolve(verifying).then(
    (verified) => identified(verifier, verified, body),
    (error: unknown) => rejected(error, verifier, logger),
  )
}

/** The verifier's refusal as its status and reason; anything else it threw as 401 `invalid_signature`. */
function rejected(error: unknown, verifier: Verifier, logger: Logger): never {
  if (error instanceof VerificationError) {
    logger.debug?.('[upload-webhooks] delivery rejected', { verifier: verifier.name, reason: error.reason })
    refuse(error.status, error.reason, error.message)
  }
  logger.error('[upload-webhooks] verifier threw; rejecting the delivery', { verifier: verifier.name, error })
  refuse(401, 'invalid_signature')
}

/** The delivery ID bounded, or (for a sender that sends none) made from the body. */
function identified(verifier: Verifier, verified: VerifierResult, body: DeliveryBody): MaybeAsync<Authenticated> {
  if (verified.deliveryId === undefined) return andThen(keyedByBody(verified, body), (keyed) => ({ verifier, verified: keyed }))
  if (!validDeliveryId(verified.deliveryId)) {
    refuse(400, 'invalid_delivery_id', `the delivery ID must be 1 to ${MAX_DELIVERY_ID_BYTES} bytes without control characters`)
  }
  return { verifier, verified: verified as VerifiedDelivery }
}

/**
 * No delivery ID from the sender: its body's SHA-256, one digest for the ID (hex) and the
 * record's binding. A copy, never the verifier's own object, which it may reuse or freeze.
 */
function keyedByBody(verified: VerifierResult, body: DeliveryBody): MaybeAsync<VerifiedDelivery> {
  return andThen(sha256(body.bytes), (digest) => Object.assign({}, verified, { deliveryId: hex(digest), bodyHash: base64Url(digest) }))
}
