// The route a user writes from the vendor docs instead of using this library, framework-neutral:
// each framework's server reads the body and headers and writes the answer the same way as its
// bare route. (d) `@upstash/qstash` Receiver.verify, then JSON.parse; (e) the same, then one
// ioredis `SET <message ID> 1 NX EX 86400` to drop a redelivery; and the defer part's recipe:
// Receiver.verify, then BullMQ `queue.add` with the message ID as `jobId`.
import { devSigningKeys } from '@upload-webhooks/core/testing'
import { Receiver } from '@upstash/qstash'
import type { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { BARE_ANSWER, DUPLICATE_ANSWER, QUEUED_ANSWER } from './answers.js'

export interface PeerInput {
  body: string
  /** `Upstash-Signature`. */
  signature: string | undefined
  /** `Upstash-Message-Id`. */
  messageId: string | undefined
  /** This endpoint's URL, which the token's `sub` must equal. */
  url: string
}

export type PeerRecipe = (input: PeerInput) => Promise<{ status: number; body: string }>

/** A day: how long the recipe remembers a message ID (QStash retries for less). */
const SEEN_SECONDS = 86_400

/** The docs' check: `Receiver.verify`, whose throw is the refusal. */
export function verifier(): (body: string, signature: string | undefined, url: string) => Promise<boolean> {
  const receiver = new Receiver({ ...devSigningKeys })
  return (body, signature, url) =>
    receiver.verify({ signature: signature ?? '', body, url }).then(
      () => true,
      () => false,
    )
}

/** (d) without `redis`, (e) with it. */
export function receiverRecipe(redis?: Redis): PeerRecipe {
  const verified = verifier()
  return async ({ body, signature, messageId, url }) => {
    if (!(await verified(body, signature, url))) return { status: 401, body: 'Invalid signature' }
    JSON.parse(body)
    if (redis) {
      if (!messageId) return { status: 400, body: 'Missing Upstash-Message-Id' }
      if ((await redis.set(messageId, '1', 'EX', SEEN_SECONDS, 'NX')) === null) return { status: 200, body: DUPLICATE_ANSWER }
    }
    return { status: 200, body: BARE_ANSWER }
  }
}

/**
 * The queue recipe: verify, parse, `queue.add` under the message ID (BullMQ adds a `jobId` once
 * while it keeps the job, so a redelivery adds nothing), 200 once the add resolved. A failed add
 * throws, and the framework answers 500.
 */
export function receiverQueueRecipe(queue: Queue, jobOptions: Record<string, unknown>): PeerRecipe {
  const verified = verifier()
  return async ({ body, signature, messageId, url }) => {
    if (!(await verified(body, signature, url))) return { status: 401, body: 'Invalid signature' }
    if (!messageId) return { status: 400, body: 'Missing Upstash-Message-Id' }
    const event = JSON.parse(body) as { event: string }
    await queue.add(event.event, event, { ...jobOptions, jobId: messageId })
    return { status: 200, body: QUEUED_ANSWER }
  }
}
