// The store-flush attempt (issue 11, items 5 and 8): one captured QStash token sent under 10,001
// forged message IDs, once enough to push another sender's processed record out of a
// 10,000-entry memory store so its replay ran again. Every forged copy must now be refused as a
// replay and write nothing; both processed records stay, and their retries stay duplicates.
import { createWebhookRouter, type DedupeStore, memoryStore } from '@upload-webhooks/core'
import { redisStore } from '@upload-webhooks/core/redis'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import { createRedis, createVerifiers, redisReady } from './server/options.js'
import { entries } from './support/corpus.js'
import { type EventSpec, HANDLED_TYPES, makeEvents, SENDER_KINDS, type SenderKind, signAttempt } from './support/events.js'
import { recordLine } from './support/figures.js'
import { ExpectedKeys, keyProblems, readStoreKeys } from './support/store-keys.js'
import { toRequest } from './support/transport.js'

const FORGED_IDS = 10_001
/** The memory store's size in the original attack: one forged key more than it holds. */
const MAX_ENTRIES = 10_000
const redisUrl = inject('redisUrl')
/** A database of the shared test server that only this file uses. */
const FLUSH_DB = 10

const eventOf = (kind: SenderKind): EventSpec => makeEvents(`flush-${kind}`, SENDER_KINDS.length).find((e) => e.kind === kind)!

function routerWith(store: DedupeStore) {
  const warnings: string[] = []
  let handlerCalls = 0
  const router = createWebhookRouter({
    verify: createVerifiers(),
    store,
    logger: { warn: (message: string) => void warnings.push(message), error: () => {} },
    handlers: Object.fromEntries(HANDLED_TYPES.map((type) => [type, () => void handlerCalls++])),
  })
  return { router, warnings, calls: () => handlerCalls }
}

async function send(router: ReturnType<typeof routerWith>['router'], headers: [string, string][], body: string) {
  const response = await router.handle(toRequest({ method: 'POST', headers, body }))
  return { status: response.status, json: (await response.json()) as { status?: string; reason?: string } }
}

/** The attack against `store`; what each phase answered, for the assertions and the figures. */
async function flushAttempt(store: DedupeStore) {
  const { router, warnings, calls } = routerWith(store)
  const other = eventOf('sonuslab')
  const captured = eventOf('qstash')
  const otherHeaders = entries(await signAttempt(other))
  const capturedHeaders = entries(await signAttempt(captured))
  const firsts = [await send(router, otherHeaders, other.body), await send(router, capturedHeaders, captured.body)]

  const forgedAnswers: Record<string, number> = {}
  for (let i = 0; i < FORGED_IDS; i++) {
    const headers = capturedHeaders.map(([name, value]): [string, string] =>
      name === 'upstash-message-id' ? [name, `${captured.deliveryId}-forged-${i}`] : [name, value],
    )
    const { status, json } = await send(router, headers, captured.body)
    const answer = `${status} ${json.reason ?? json.status}`
    forgedAnswers[answer] = (forgedAnswers[answer] ?? 0) + 1
  }

  // The retries: byte for byte, and re-signed by the sender (same ID, a new signature and nonce).
  const retries = [
    await send(router, otherHeaders, other.body),
    await send(router, capturedHeaders, captured.body),
    await send(router, entries(await signAttempt(other, { now: Math.floor(Date.now() / 1000) - 1 })), other.body),
    await send(router, entries(await signAttempt(captured, { now: Math.floor(Date.now() / 1000) - 1 })), captured.body),
  ]
  const expectedKeys = new ExpectedKeys().processed('sonuslab', other.deliveryId, 2).processed('qstash', captured.deliveryId, 2)
  return { firsts, forgedAnswers, retries, warnings, handlerCalls: calls(), expectedKeys }
}

function expectRefusedAndKept(result: Awaited<ReturnType<typeof flushAttempt>>) {
  expect(result.firsts.map((a) => a.json.status)).toEqual(['processed', 'processed'])
  expect(result.forgedAnswers).toEqual({ '401 replayed_signature': FORGED_IDS })
  expect(result.retries.map((a) => `${a.status} ${a.json.status}`)).toEqual(Array(4).fill('200 duplicate'))
  expect(result.handlerCalls).toBe(2)
}

describe('one captured token under 10,001 forged IDs', () => {
  test(`memoryStore({ maxEntries: ${MAX_ENTRIES} }): all refused as replays, nothing evicted, both records still duplicates`, async () => {
    const started = performance.now()
    const result = await flushAttempt(memoryStore({ maxEntries: MAX_ENTRIES }))
    const evictions = result.warnings.filter((w) => w.includes('dropped an unexpired processed record'))
    recordLine('flush memoryStore', {
      requests: 2 + FORGED_IDS + result.retries.length,
      asDesigned:
        (result.forgedAnswers['401 replayed_signature'] ?? 0) + result.retries.filter((a) => a.json.status === 'duplicate').length + 2,
      handlerCalls: result.handlerCalls,
      evictionWarnings: evictions.length,
      wall: `${((performance.now() - started) / 1000).toFixed(1)}s`,
    })
    expectRefusedAndKept(result)
    expect(evictions).toEqual([])
  })

  test('the eviction warning the zero above relies on is real: a full memory store says so, once, naming the fix', async () => {
    const { router, warnings } = routerWith(memoryStore({ maxEntries: 3 }))
    for (const event of makeEvents('evict', 4)) {
      expect((await send(router, entries(await signAttempt(event)), event.body)).status).toBe(200)
    }
    const evictions = warnings.filter((w) => w.includes('dropped an unexpired processed record'))
    expect(evictions).toHaveLength(1)
    expect(evictions[0]).toMatch(/maxEntries/)
  })

  describe.skipIf(!redisUrl)('redisStore', () => {
    let redis: Redis
    beforeAll(async () => {
      redis = createRedis(`${redisUrl}/${FLUSH_DB}`)
      await redisReady(redis)
      await redis.flushdb()
    })
    afterAll(async () => {
      await redis?.flushdb().catch(() => {})
      redis?.disconnect()
    })

    test('all refused as replays; the store holds exactly the two records and their nonces', async () => {
      const started = performance.now()
      const result = await flushAttempt(redisStore(redis))
      const found = await readStoreKeys(redis)
      recordLine('flush redisStore', {
        requests: 2 + FORGED_IDS + result.retries.length,
        asDesigned:
          (result.forgedAnswers['401 replayed_signature'] ?? 0) + result.retries.filter((a) => a.json.status === 'duplicate').length + 2,
        handlerCalls: result.handlerCalls,
        storeKeys: found.total,
        expectedKeys: `${result.expectedKeys.size} (${result.expectedKeys.deliveries.size} delivery + ${result.expectedKeys.nonces.length} nonce)`,
        wall: `${((performance.now() - started) / 1000).toFixed(1)}s`,
      })
      expectRefusedAndKept(result)
      expect(keyProblems(found, result.expectedKeys)).toEqual([])
    })
  })
})
