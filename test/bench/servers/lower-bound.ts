// The lower bound: the least a route must do to verify a QStash delivery and drop a redelivery,
// written inline with the cheapest calls Node 20 has. It is not a safe route (see below); its
// figures say what no implementation can go under on the same framework, so a target it misses
// is out of reach there. (f) with a bounded Map; (g) with the claim and commit round trips the
// issue fixes for ours (SET NX, then SET), where the SET NX recipe makes one.
import { createHmac, createSecretKey, hash } from 'node:crypto'
import { devSigningKeys } from '@upload-webhooks/core/testing'
import type { Redis } from 'ioredis'
import { BARE_ANSWER, DUPLICATE_ANSWER } from './answers.js'
import type { PeerInput, PeerRecipe } from './peer-recipe.js'

/** The memory store's default bound, so the Map costs what a full store's lookups cost. */
const MAX_SEEN = 100_000
const LOCK_SECONDS = 60
const SEEN_SECONDS = 86_400
const REFUSED = { status: 401, body: 'Invalid signature' }

interface Claims {
  iss?: unknown
  sub?: unknown
  exp?: unknown
  nbf?: unknown
  body?: unknown
}

/**
 * What every QStash verifier must check: the HS256 MAC of the JWT's signing input, then the
 * claims' issuer, subject, lifetime and body hash. Left out, each of which ours does: the next
 * key, a constant-time compare, the `jti` replay nonce, clock-skew and shape checks.
 */
function verified(key: ReturnType<typeof createSecretKey>, { body, signature = '', url }: PeerInput): boolean {
  const firstDot = signature.indexOf('.')
  const lastDot = signature.lastIndexOf('.')
  if (createHmac('sha256', key).update(signature.slice(0, lastDot)).digest('base64url') !== signature.slice(lastDot + 1)) return false
  const claims = JSON.parse(Buffer.from(signature.slice(firstDot + 1, lastDot), 'base64url').toString('utf8')) as Claims
  const now = Date.now() / 1000
  if (claims.iss !== 'Upstash' || claims.sub !== url || !((claims.exp as number) > now) || (claims.nbf as number) > now) return false
  const bodyHash = hash('sha256', body, 'base64url')
  return claims.body === bodyHash || claims.body === `${bodyHash}=`
}

/** (f) without `redis`, (g) with it. */
export function lowerBound(redis?: Redis): PeerRecipe {
  const key = createSecretKey(Buffer.from(devSigningKeys.currentSigningKey))
  const seen = new Map<string, true>()
  return async (input) => {
    if (!verified(key, input)) return REFUSED
    JSON.parse(input.body)
    const id = input.messageId
    if (!id) return { status: 400, body: 'Missing Upstash-Message-Id' }
    if (redis) {
      if ((await redis.set(id, 'processing', 'EX', LOCK_SECONDS, 'NX')) === null) return { status: 200, body: DUPLICATE_ANSWER }
      // The handler would run here; the commit marks the delivery done.
      await redis.set(id, 'done', 'EX', SEEN_SECONDS)
      return { status: 200, body: BARE_ANSWER }
    }
    if (seen.has(id)) return { status: 200, body: DUPLICATE_ANSWER }
    seen.set(id, true)
    if (seen.size > MAX_SEEN) seen.delete(seen.keys().next().value!)
    return { status: 200, body: BARE_ANSWER }
  }
}
