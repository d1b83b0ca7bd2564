// How a step stops a delivery: it throws a Refusal carrying the answer, and the router returns
// it. Only refusals travel this way; anything else thrown is a bug and propagates.
import type { RejectionReason } from '../errors.js'
import { refused } from '../result.js'
import type { WebhookResult } from '../types.js'

export class Refusal extends Error {
  override readonly name = 'Refusal'
  constructor(readonly result: WebhookResult) {
    super(result.body)
  }
}

/** The Refusal for `status` and a machine-readable `reason`, for a step that rejects a promise with it. */
export function refusal(status: number, reason: RejectionReason, message?: string, headers?: Record<string, string>): Refusal {
  return new Refusal(refused(status, reason, message, headers))
}

/** Stops the delivery with `status` and a machine-readable `reason`. */
export function refuse(status: number, reason: RejectionReason, message?: string, headers?: Record<string, string>): never {
  throw refusal(status, reason, message, headers)
}
