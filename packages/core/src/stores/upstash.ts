import type { DedupeStore } from '../types.js'
import {
  CLAIM_WITH_NONCE_SCRIPT,
  COMMIT_SCRIPT,
  claimOutcome,
  doneValue,
  FORGET_SCRIPT,
  nonceClaimOutcome,
  RELEASE_SCRIPT,
  StoreUnavailableError,
} from './protocol.js'

/** The part of `@upstash/redis`'s `Redis` client this store uses (structural, so core has no hard dependency). */
export interface UpstashRedisLike {
  set(key: string, value: string, options: { nx: true; ex: number; get: true }): Promise<unknown>
  createScript(script: string): { exec(keys: string[], args: string[]): Promise<unknown> }
}

const unavailable = (error: unknown): never => {
  throw new StoreUnavailableError('Upstash Redis did not answer', { cause: error })
}

/**
 * Dedupe store over Upstash Redis (HTTP), for serverless and edge runtimes:
 * `upstashStore(Redis.fromEnv())`. Claim is one `SET NX EX GET` (one script with a replay
 * nonce); commit and release are one `EVALSHA` each (compare-and-set on the claim token).
 */
export function upstashStore(redis: UpstashRedisLike): DedupeStore {
  const claimScript = redis.createScript(CLAIM_WITH_NONCE_SCRIPT)
  const commitScript = redis.createScript(COMMIT_SCRIPT)
  const releaseScript = redis.createScript(RELEASE_SCRIPT)
  // A script, not `del`: the structural client this store asks for stays the two methods it had.
  const forgetScript = redis.createScript(FORGET_SCRIPT)
  return {
    async claim(key, token, lockSeconds, nonce) {
      if (nonce) {
        const reply = await claimScript
          .exec([key, nonce.key], [token, String(lockSeconds), nonce.owner, String(nonce.ttlSeconds)])
          .catch(unavailable)
        return nonceClaimOutcome(reply, token, lockSeconds)
      }
      const previous = await redis.set(key, token, { nx: true, ex: lockSeconds, get: true }).catch(unavailable)
      return claimOutcome(previous, token, lockSeconds)
    },
    async commit(key, token, ttlSeconds) {
      return Number(await commitScript.exec([key], [token, String(ttlSeconds), doneValue(token)]).catch(unavailable)) === 1
    },
    async release(key, token) {
      return Number(await releaseScript.exec([key], [token]).catch(unavailable)) === 1
    },
    async forget(key) {
      return Number(await forgetScript.exec([key], []).catch(unavailable)) === 1
    },
  }
}
