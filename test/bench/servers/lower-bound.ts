// The lower bound: the least a route must do to keep the promises our middleware keeps for a
// QStash delivery, written inline with the cheapest calls Node 20 has and none of our layers.
// Its figures say what no implementation of that contract goes under on the same framework, so
// a target it misses is out of reach there; where it reaches one, ours' distance from it is the
// cost of ours' own code. (f) keeps its records in a bounded Map, (g) in Redis with the two round
// trips the issue keeps for ours. It is not a safe route: see `verifiedClaims` for what it skips.
import { createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto'
import { devSigningKeys } from '@upload-webhooks/core/testing'
import type { Redis } from 'ioredis'
import { BARE_ANSWER, DUPLICATE_ANSWER } from './answers.js'
import type { PeerInput, PeerRecipe } from './peer-recipe.js'

/** The memory store's default bound, so its lookups cost what a full store's cost. */
const MAX_RECORDS = 100_000
const LOCK_SECONDS = 60
const SEEN_SECONDS = 86_400
const REFUSED = { status: 401, body: '{"status":"rejected","reason":"invalid_signature"}' }
const REPLAYED = { status: 401, body: '{"status":"rejected","reason":"replayed_signature"}' }
const DUPLICATE = { status: 200, body: DUPLICATE_ANSWER }
const PROCESSED = { status: 200, body: BARE_ANSWER }

interface Claims {
  iss?: unknown
  sub?: unknown
  exp?: unknown
  nbf?: unknown
  body?: unknown
  jti?: unknown
}

/** Constant time in the length of `a`, as a MAC compare must be. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return difference === 0
}

/**
 * The JWT's HS256 MAC under the current key or, during a rotation, the next one; then its
 * issuer, subject, lifetime and body hash. Skipped, each of which ours does: the shape checks
 * (header, lengths, claim types, delivery ID), clock skew, and a canonical-spelling check.
 */
function verifiedClaims(keys: readonly KeyObject[], { body, signature = '', url }: PeerInput): Claims | undefined {
  const firstDot = signature.indexOf('.')
  const lastDot = signature.lastIndexOf('.')
  const signingInput = signature.slice(0, lastDot)
  const mac = signature.slice(lastDot + 1)
  if (!keys.some((key) => sameText(createHmac('sha256', key).update(signingInput).digest('base64url'), mac))) return undefined
  const claims = JSON.parse(Buffer.from(signature.slice(firstDot + 1, lastDot), 'base64url').toString('utf8')) as Claims
  const now = Date.now() / 1000
  if (claims.iss !== 'Upstash' || claims.sub !== url || !((claims.exp as number) > now) || (claims.nbf as number) > now) return undefined
  const bodyHash = hash('sha256', body, 'base64url')
  return claims.body === bodyHash || claims.body === `${bodyHash}=` ? claims : undefined
}

/** Nonce then claim, in one round trip: 0 replayed, 1 claimed, 2 seen before. */
const CLAIM_SCRIPT = `local owner = redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2], 'GET')
if owner and owner ~= ARGV[1] then return 0 end
if redis.call('SET', KEYS[1], 'processing', 'NX', 'EX', ARGV[3]) then return 1 end
return 2`
/** Marks the delivery done only while it is still ours: a claim that expired is not overwritten. */
const COMMIT_SCRIPT = `if redis.call('GET', KEYS[1]) == 'processing' then return redis.call('SET', KEYS[1], 'done', 'EX', ARGV[1]) end`

type Records = (id: string, nonce: string, nonceSeconds: number) => Promise<typeof REPLAYED | typeof DUPLICATE | typeof PROCESSED>

/** The replay nonce, the claim and, after the (empty) handler, the commit, in a bounded Map. */
function mapRecords(): Records {
  const records = new Map<string, string>()
  // One live iterator yields the oldest key: a fresh `keys()` per eviction would rescan the slots
  // deleted keys leave at the front of a Map (memoryStore() learnt this the same way).
  let oldest = records.keys()
  const keep = (key: string, value: string) => {
    records.set(key, value)
    if (records.size <= MAX_RECORDS) return
    let next = oldest.next()
    if (next.done) {
      oldest = records.keys()
      next = oldest.next()
    }
    records.delete(next.value!)
  }
  return async (id, nonce) => {
    const owner = records.get(nonce)
    if (owner !== undefined && owner !== id) return REPLAYED
    if (owner === undefined) keep(nonce, id)
    if (records.has(id)) return DUPLICATE
    keep(id, 'processing')
    records.set(id, 'done')
    return PROCESSED
  }
}

/** Our two scripts as ioredis commands: ioredis sends `EVALSHA`, and `EVAL` only after a `NOSCRIPT`. */
interface ScriptedRedis {
  boundClaim(id: string, nonce: string, owner: string, nonceSeconds: number, lockSeconds: number): Promise<number>
  boundCommit(id: string, seconds: number): Promise<unknown>
}

/** The same records in Redis: one round trip to claim (with the nonce), one to commit. */
function redisRecords(redis: Redis): Records {
  redis.defineCommand('boundClaim', { numberOfKeys: 2, lua: CLAIM_SCRIPT })
  redis.defineCommand('boundCommit', { numberOfKeys: 1, lua: COMMIT_SCRIPT })
  const scripted = redis as unknown as ScriptedRedis
  return async (id, nonce, nonceSeconds) => {
    const claimed = await scripted.boundClaim(id, nonce, id, nonceSeconds, LOCK_SECONDS)
    if (claimed === 0) return REPLAYED
    if (claimed === 2) return DUPLICATE
    await scripted.boundCommit(id, SEEN_SECONDS)
    return PROCESSED
  }
}

/** (f) without `redis`, (g) with it. */
export function lowerBound(redis?: Redis): PeerRecipe {
  const keys = [devSigningKeys.currentSigningKey, devSigningKeys.nextSigningKey].map((key) => createSecretKey(Buffer.from(key)))
  const records = redis ? redisRecords(redis) : mapRecords()
  return async (input) => {
    const claims = verifiedClaims(keys, input)
    if (!claims || typeof claims.jti !== 'string') return REFUSED
    JSON.parse(input.body)
    if (!input.messageId) return { status: 400, body: '{"status":"rejected","reason":"missing_delivery_id"}' }
    return records(input.messageId, `nonce:${claims.jti}`, Math.max(1, Math.ceil((claims.exp as number) - Date.now() / 1000)))
  }
}
