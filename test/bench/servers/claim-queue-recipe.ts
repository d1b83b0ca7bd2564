// The defer part's recipe with ours' guarantees, as a careful user writes it by hand: the docs'
// `Receiver.verify`; the delivery claimed in Redis under a lease, its signature's `jti` as a
// replay nonce, in one round trip (a Lua script); BullMQ `queue.add` under the message ID as
// `jobId`; then the delivery marked done, and 202. A redelivery after that answers 200, one
// while the first is being enqueued 409; a failed add gives the claim back and answers 503.
import type { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { DUPLICATE_ANSWER, QUEUED_ANSWER } from './answers.js'
import { type PeerRecipe, verifier } from './peer-recipe.js'

/** Ours' defaults (`dedupe.lockSeconds`, `dedupe.ttlSeconds`), so both keep a delivery as long. */
const LEASE_SECONDS = 30
const DONE_SECONDS = 74 * 3600

/**
 * The nonce first (a signature seen under another message ID is a replay), then the lease.
 * Answers `replayed`, `claimed`, or what the key holds: `done`, or another attempt's token.
 */
const CLAIM_SCRIPT = `local owner = redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2], 'GET')
if owner and owner ~= ARGV[1] then return 'replayed' end
if redis.call('SET', KEYS[1], ARGV[3], 'NX', 'EX', ARGV[4]) then return 'claimed' end
return redis.call('GET', KEYS[1])`
/** Deletes the lease only while it is this attempt's: another attempt's claim is left alone. */
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

interface ScriptedRedis {
  claimDelivery(
    key: string,
    nonceKey: string,
    messageId: string,
    nonceSeconds: number,
    token: string,
    lease: number,
  ): Promise<string | null>
  releaseDelivery(key: string, token: string): Promise<number>
}

const answer = (status: number, reason: string) => ({ status, body: `{"status":"rejected","reason":"${reason}"}` })

/** The JWT's payload, read once `Receiver.verify` has checked its signature. */
function claimsOf(signature: string): { jti?: unknown; exp?: unknown } {
  return JSON.parse(Buffer.from(signature.split('.')[1] ?? '', 'base64url').toString('utf8'))
}

let attempts = 0

export function receiverClaimQueueRecipe(redis: Redis, queue: Queue, jobOptions: Record<string, unknown>): PeerRecipe {
  redis.defineCommand('claimDelivery', { numberOfKeys: 2, lua: CLAIM_SCRIPT })
  redis.defineCommand('releaseDelivery', { numberOfKeys: 1, lua: RELEASE_SCRIPT })
  const scripted = redis as unknown as ScriptedRedis
  const verified = verifier()
  const tokenPrefix = `${process.pid}-${Date.now().toString(36)}-`
  return async ({ body, signature, messageId, url }) => {
    if (!(await verified(body, signature, url))) return { status: 401, body: 'Invalid signature' }
    if (!messageId) return { status: 400, body: 'Missing Upstash-Message-Id' }
    const { jti, exp } = claimsOf(signature!)
    if (typeof jti !== 'string' || typeof exp !== 'number') return { status: 401, body: 'Invalid signature' }
    const event = JSON.parse(body) as { event: string }
    const key = `delivery:${messageId}`
    const token = `${tokenPrefix}${(attempts++).toString(36)}`
    // The nonce lives as long as the signature does, so a captured one can never be replayed.
    const nonceSeconds = Math.max(1, Math.ceil(exp - Date.now() / 1000) + 1)
    const claimed = await scripted.claimDelivery(key, `nonce:${jti}`, messageId, nonceSeconds, token, LEASE_SECONDS)
    if (claimed === 'replayed') return answer(401, 'replayed_signature')
    if (claimed === 'done') return { status: 200, body: DUPLICATE_ANSWER }
    if (claimed !== 'claimed') return answer(409, 'in_flight')
    try {
      await queue.add(event.event, event, { ...jobOptions, jobId: messageId })
    } catch {
      await scripted.releaseDelivery(key, token).catch(() => undefined)
      return answer(503, 'enqueue_failed')
    }
    // The job is queued whatever the commit's fate: a lost commit only lets a retry meet the jobId.
    await redis.set(key, 'done', 'EX', DONE_SECONDS).catch(() => undefined)
    return { status: 202, body: QUEUED_ANSWER }
  }
}
