// Delivery keys and the router's own keys live in distinct namespaces: a delivery's key is
// `<prefix>:<sender>:<delivery ID>`, a replay nonce's `<prefix>~nonce:<sender>:<nonce>`. Found by
// this suite when both were `<prefix>:<sender>:…`: an attacker holding one captured, unprocessed
// delivery D1 who had seen the signature of another delivery D2 on its way could send D1 under the
// unsigned ID `nonce:<D2's nonce>`, so that D2's genuine delivery was refused as a replay.
import { createWebhookRouter, type DedupeStore, memoryStore } from '@upload-webhooks/core'
import { redisStore } from '@upload-webhooks/core/redis'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import { createRedis, createVerifiers, redisReady } from './server/options.js'
import { entries } from './support/corpus.js'
import { HANDLED_TYPES, makeEvents, SENDER_KINDS, signAttempt } from './support/events.js'
import { toRequest } from './support/transport.js'

const redisUrl = inject('redisUrl')
/** A database of the shared test server that only this file uses. */
const NAMESPACE_DB = 11

/** D1 sent under the ID `nonce:<D2's nonce>`, then D2 as its sender sends it: D2's answer and the files handled. */
async function collide(store: DedupeStore) {
  const handled: string[] = []
  const router = createWebhookRouter({
    verify: createVerifiers(),
    store,
    logger: { warn: () => {}, error: () => {} },
    handlers: Object.fromEntries(
      HANDLED_TYPES.map((type) => [type, (event: { file?: { id: string } }) => void handled.push(event.file!.id)]),
    ),
  })
  const [d1, d2] = makeEvents('namespace', SENDER_KINDS.length * 2).filter((e) => e.kind === 'sonuslab')
  const d2Headers = await signAttempt(d2!)
  // Sonuslab's nonce is its v1 MAC, base64url: readable by anyone who sees the header.
  const mac = /v1=([0-9a-f]{64})/.exec(d2Headers['x-sonuslab-signature']!)![1]!
  const d2Nonce = Buffer.from(mac, 'hex').toString('base64url')
  const send = (headers: Record<string, string>, body: string) =>
    router.handle(toRequest({ method: 'POST', headers: entries(headers), body }))
  const first = await send(await signAttempt(d1!, { deliveryId: `nonce:${d2Nonce}` }), d1!.body)
  const answer = await send(d2Headers, d2!.body)
  return {
    d1Status: ((await first.json()) as { status?: string }).status,
    status: answer.status,
    json: (await answer.json()) as { status?: string; reason?: string },
    handled,
    d1: d1!.fileId,
    d2: d2!.fileId,
  }
}

async function expectD2Processed(store: DedupeStore) {
  const result = await collide(store)
  expect(result.json.reason).not.toBe('replayed_signature')
  expect(result.status).toBe(200)
  expect(result.handled).toContain(result.d2)
}

describe('a delivery ID shaped like a nonce key', () => {
  // So that the failing cases below fail on D2's answer, not on the set-up: D1 itself is authentic
  // and arrives first, so it is processed under the ID it came with.
  test('set-up: D1 under the nonce-shaped ID is processed', async () => {
    const result = await collide(memoryStore())
    expect(result.d1Status).toBe('processed')
    expect(result.handled[0]).toBe(result.d1)
  })

  test('memoryStore: the genuine delivery whose nonce it names is still processed', async () => {
    await expectD2Processed(memoryStore())
  })

  describe.skipIf(!redisUrl)('redisStore', () => {
    let redis: Redis
    beforeAll(async () => {
      redis = createRedis(`${redisUrl}/${NAMESPACE_DB}`)
      await redisReady(redis)
      await redis.flushdb()
    })
    afterAll(async () => {
      await redis?.flushdb().catch(() => {})
      redis?.disconnect()
    })

    test('the genuine delivery whose nonce it names is still processed', async () => {
      await expectD2Processed(redisStore(redis))
    })
  })
})
