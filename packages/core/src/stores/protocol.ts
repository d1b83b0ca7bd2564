// The dedupe protocol's wire format, shared by every Redis-backed store.
// A key holds either a claim token (a handler is running) or DONE (processed).
import { brandedInstanceOf } from '../errors.js'

/** Value of a processed delivery's key. Claim tokens always start with `claim:`, so they never equal it. */
export const DONE = 'done'

/** `KEYS[1]` still holds our token `ARGV[1]` → mark it done for `ARGV[2]` seconds. */
export const COMMIT_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], '${DONE}', 'EX', ARGV[2]) return 1 end return 0`

/** `KEYS[1]` still holds our token `ARGV[1]` → delete it. */
export const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end return 0`

const STORE_UNAVAILABLE = Symbol.for('@upload-webhooks/core.StoreUnavailableError')

/** Raised by a store that cannot be reached; the router answers 503 (fail closed). */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError'
  readonly [STORE_UNAVAILABLE] = true
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brandedInstanceOf(this, StoreUnavailableError, STORE_UNAVAILABLE, value)
  }
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** Maps the previous value returned by a set-if-absent to a claim outcome. */
export function claimOutcome(previous: unknown, lockSeconds: number) {
  if (previous === null || previous === undefined) return { state: 'claimed' } as const
  if (previous === DONE) return { state: 'done' } as const
  return { state: 'in-flight', retryAfterSeconds: lockSeconds } as const
}
