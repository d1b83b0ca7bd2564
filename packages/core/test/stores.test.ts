// The dedupe protocol against every store: memory, and real redis-server through ioredis,
// node-redis (v5, and v4, the oldest the peer range allows), and @upstash/redis (REST bridged to the same server by msw).

import { createWebhookRouter, type DedupeStore, memoryStore, qstash, upstashStore } from '@upload-webhooks/core'
import { redisStore, StoreUnavailableError } from '@upload-webhooks/core/redis'
import { createTestDelivery, devSigningKeys, silentLogger } from '@upload-webhooks/core/testing'
import { Redis as UpstashRedis } from '@upstash/redis'
import { Redis as IORedis } from 'ioredis'
import { setupServer } from 'msw/node'
import { createClient } from 'redis'
import { createClient as createClientV4 } from 'redis-v4'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { fixture, UPLOADKIT } from './fixtures.js'
import { UPSTASH_URL, upstashRestHandlers } from './upstash-rest.js'

const redisUrl = inject('redisUrl')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
let admin: IORedis
let nodeRedis: ReturnType<typeof createClient>
let nodeRedisV4: ReturnType<typeof createClientV4>
const upstashState = { down: false }
const msw = setupServer()

beforeAll(async () => {
  if (!redisUrl) return
  admin = new IORedis(redisUrl)
  nodeRedis = createClient({ url: redisUrl })
  await nodeRedis.connect()
  nodeRedisV4 = createClientV4({ url: redisUrl })
  await nodeRedisV4.connect()
  msw.use(...upstashRestHandlers(admin, upstashState))
  msw.listen({ onUnhandledRequest: 'bypass' })
})
afterAll(async () => {
  msw.close()
  admin?.disconnect()
  await nodeRedis?.quit()
  await nodeRedisV4?.quit()
})

const stores: [string, () => DedupeStore, boolean][] = [
  ['memoryStore', () => memoryStore(), false],
  ['redisStore(ioredis)', () => redisStore(admin), true],
  ['redisStore(node-redis)', () => redisStore(nodeRedis), true],
  ['redisStore(node-redis v4)', () => redisStore(nodeRedisV4), true],
  ['upstashStore(@upstash/redis)', () => upstashStore(new UpstashRedis({ url: UPSTASH_URL, token: 't', retry: false })), true],
]

let n = 0
const freshKey = () => `test:${process.pid}:${Date.now()}:${n++}`

describe.each(stores)('dedupe protocol on %s', (_name, makeStore, needsRedis) => {
  const skip = needsRedis && !redisUrl
  const store = () => makeStore()

  it.skipIf(skip)('claim → in-flight for others → commit → done', async () => {
    const s = store()
    const key = freshKey()
    expect(await s.claim(key, 'claim:a', 30)).toEqual({ state: 'claimed' })
    const other = await s.claim(key, 'claim:b', 30)
    expect(other.state).toBe('in-flight')
    expect(other.state === 'in-flight' && other.retryAfterSeconds).toBeGreaterThan(0)
    expect(await s.commit(key, 'claim:b', 60)).toBe(false) // not the owner: leaves the lock alone
    expect(await s.release(key, 'claim:b')).toBe(false)
    expect(await s.commit(key, 'claim:a', 60)).toBe(true)
    expect(await s.claim(key, 'claim:c', 30)).toEqual({ state: 'done' })
    expect(await s.release(key, 'claim:a')).toBe(false) // done is never released
    expect(await s.commit(key, 'claim:a', 60)).toBe(false) // nor committed twice
    expect(await s.claim(key, 'claim:d', 30)).toEqual({ state: 'done' })
  })

  it.skipIf(skip)('a record made from another body is a conflict, whether claimed or done; legacy values stay comparable', async () => {
    const s = store()
    const key = freshKey()
    expect(await s.claim(key, 'claim:bodyA:1', 30)).toEqual({ state: 'claimed' })
    expect(await s.claim(key, 'claim:bodyB:2', 30)).toEqual({ state: 'conflict' })
    expect(await s.commit(key, 'claim:bodyA:1', 60)).toBe(true)
    expect(await s.claim(key, 'claim:bodyA:3', 30)).toEqual({ state: 'done' })
    expect(await s.claim(key, 'claim:bodyB:4', 30)).toEqual({ state: 'conflict' })
  })

  it.skipIf(skip)('a nonce owned by another delivery ID is a replay and writes nothing; its owner may come again', async () => {
    const s = store()
    const key = freshKey()
    const forged = freshKey()
    const nonce = { key: `${key}:nonce`, owner: key, ttlSeconds: 60 }
    expect(await s.claim(key, 'claim:f:1', 30, nonce)).toEqual({ state: 'claimed' })
    expect(await s.claim(forged, 'claim:f:2', 30, { ...nonce, owner: forged })).toEqual({ state: 'replayed' })
    // Nothing was claimed for the forged ID: a claim now succeeds without a nonce.
    expect(await s.claim(forged, 'claim:f:3', 30)).toEqual({ state: 'claimed' })
    expect(await s.commit(key, 'claim:f:1', 60)).toBe(true)
    expect(await s.claim(key, 'claim:f:4', 30, nonce)).toEqual({ state: 'done' })
  })

  it.skipIf(skip)('release frees the key for the next claim', async () => {
    const s = store()
    const key = freshKey()
    await s.claim(key, 'claim:a', 30)
    expect(await s.release(key, 'claim:a')).toBe(true)
    expect(await s.claim(key, 'claim:b', 30)).toEqual({ state: 'claimed' })
  })

  it.skipIf(skip)('an expired lock is taken over, and the old owner can neither commit nor release it', async () => {
    const s = store()
    const key = freshKey()
    await s.claim(key, 'claim:slow', 1)
    await sleep(1100)
    expect(await s.claim(key, 'claim:new', 30)).toEqual({ state: 'claimed' })
    expect(await s.commit(key, 'claim:slow', 60)).toBe(false)
    expect(await s.release(key, 'claim:slow')).toBe(false)
    expect(await s.claim(key, 'claim:third', 30)).toMatchObject({ state: 'in-flight' })
    expect(await s.commit(key, 'claim:new', 60)).toBe(true)
  })

  it.skipIf(skip)('done expires after ttlSeconds', async () => {
    const s = store()
    const key = freshKey()
    await s.claim(key, 'claim:a', 30)
    await s.commit(key, 'claim:a', 1)
    await sleep(1100)
    expect(await s.claim(key, 'claim:b', 30)).toEqual({ state: 'claimed' })
  })

  it.skipIf(skip)('forget deletes a done record, so the next claim is a first one', async () => {
    const s = store()
    const key = freshKey()
    await s.claim(key, 'claim:f:1', 30)
    await s.commit(key, 'claim:f:1', 60)
    expect(await s.forget!(key)).toBe(true)
    expect(await s.forget!(key)).toBe(false)
    expect(await s.claim(key, 'claim:f:2', 30)).toEqual({ state: 'claimed' })
  })
})

describe.skipIf(!redisUrl)('routers sharing one real Redis', () => {
  const url = 'http://localhost/api/webhooks/upload'
  const makeRouter = (handler: () => unknown, store: DedupeStore) =>
    createWebhookRouter({
      verify: qstash({ ...devSigningKeys }),
      store,
      logger: silentLogger,
      dedupe: { keyPrefix: `t${process.pid}` },
      handlers: { onUploadComplete: handler },
    })

  it('concurrent deliveries of one message to two instances run the handler exactly once', async () => {
    let runs = 0
    const handler = async () => {
      runs++
      await sleep(50)
    }
    const a = makeRouter(handler, redisStore(admin))
    const b = makeRouter(handler, redisStore(nodeRedis))
    const id = `msg_${freshKey()}`
    const deliveries = await Promise.all(
      Array.from({ length: 10 }, () => createTestDelivery({ verifier: 'qstash', event: fixture(UPLOADKIT), deliveryId: id, url })),
    )
    const answers = await Promise.all(deliveries.map((d, i) => (i % 2 ? a : b).handle(d)))
    const statuses = answers.map((r) => r.status).sort()
    expect(runs).toBe(1)
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.filter((s) => s === 409)).toHaveLength(9)
    const retry = await a.handle(await createTestDelivery({ verifier: 'qstash', event: fixture(UPLOADKIT), deliveryId: id, url }))
    expect(await retry.json()).toMatchObject({ status: 'duplicate' })
  })

  it('a handler failure releases the claim; the retry on the other instance succeeds', async () => {
    let calls = 0
    const handler = () => {
      if (++calls === 1) throw new Error('transient')
    }
    const a = makeRouter(handler, redisStore(admin))
    const b = makeRouter(handler, upstashStore(new UpstashRedis({ url: UPSTASH_URL, token: 't', retry: false })))
    const id = `msg_${freshKey()}`
    const delivery = () => createTestDelivery({ verifier: 'qstash', event: fixture(UPLOADKIT), deliveryId: id, url })
    expect((await a.handle(await delivery())).status).toBe(500)
    expect(await admin.get(`t${process.pid}:qstash:${id}`)).toBeNull()
    expect((await b.handle(await delivery())).status).toBe(200)
    expect(await admin.get(`t${process.pid}:qstash:${id}`)).toMatch(/^done:[\w-]{43}$/)
    expect(calls).toBe(2)
  })

  it('a lock left by a crashed instance expires after lockSeconds and the retry runs', async () => {
    const id = `msg_${freshKey()}`
    await admin.set(`t${process.pid}:qstash:${id}`, 'claim:crashed', 'EX', 1)
    let runs = 0
    const router = makeRouter(() => void runs++, redisStore(admin))
    const delivery = () => createTestDelivery({ verifier: 'qstash', event: fixture(UPLOADKIT), deliveryId: id, url })
    expect((await router.handle(await delivery())).status).toBe(409)
    await sleep(1100)
    expect((await router.handle(await delivery())).status).toBe(200)
    expect(runs).toBe(1)
  })

  it('store down → 503 with Retry-After for ioredis, node-redis v5 and v4, and Upstash; no handler runs', async () => {
    let runs = 0
    const deadPort = 1 // nothing listens there
    const io = new IORedis({ port: deadPort, enableOfflineQueue: false, lazyConnect: true, maxRetriesPerRequest: 0 })
    io.on('error', () => {})
    const nr = createClient({ socket: { port: deadPort, reconnectStrategy: false }, disableOfflineQueue: true })
    nr.on('error', () => {})
    const nr4 = createClientV4({ socket: { port: deadPort, reconnectStrategy: false }, disableOfflineQueue: true })
    nr4.on('error', () => {})
    upstashState.down = true
    try {
      for (const store of [
        redisStore(io, { commandTimeoutMs: 500 }),
        redisStore(nr, { commandTimeoutMs: 500 }),
        redisStore(nr4, { commandTimeoutMs: 500 }),
        upstashStore(new UpstashRedis({ url: UPSTASH_URL, token: 't', retry: false })),
      ]) {
        const res = await makeRouter(() => void runs++, store).handle(
          await createTestDelivery({ verifier: 'qstash', event: fixture(UPLOADKIT), url }),
        )
        expect(res.status).toBe(503)
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
      }
    } finally {
      upstashState.down = false
      io.disconnect()
    }
    expect(runs).toBe(0)
  })

  it('recovers after the script cache is flushed (EVALSHA falls back to EVAL)', async () => {
    await admin.call('SCRIPT', 'FLUSH')
    const s = redisStore(admin)
    const key = freshKey()
    await s.claim(key, 'claim:a', 30)
    expect(await s.commit(key, 'claim:a', 60)).toBe(true)
    expect(await admin.get(key)).toMatch(/^done(:|$)/)
  })

  it('gives up on a command Redis never answers after commandTimeoutMs, and clears the timer of one it answers', async () => {
    // A client stuck reconnecting with an offline queue: its commands never settle.
    const stuck = redisStore({ call: () => new Promise(() => {}) }, { commandTimeoutMs: 50 })
    const started = Date.now()
    await expect(stuck.claim(freshKey(), 'claim:a', 30)).rejects.toThrow(/did not answer within 50 ms/)
    expect(Date.now() - started).toBeLessThan(2000)
    // An answered command leaves no timer behind: nothing keeps the process alive for 60 s.
    vi.useFakeTimers()
    try {
      const prompt = redisStore({ call: async () => null }, { commandTimeoutMs: 60_000 })
      const timersBefore = vi.getTimerCount()
      await expect(prompt.claim(freshKey(), 'claim:b', 30)).resolves.toEqual({ state: 'claimed' })
      expect(vi.getTimerCount()).toBe(timersBefore)
      // A client that throws instead of rejecting (a closed node-redis client) fails the same way, timer cleared.
      const closed = redisStore(
        {
          sendCommand: () => {
            throw new Error('The client is closed')
          },
        },
        { commandTimeoutMs: 60_000 },
      )
      const claiming = closed.claim(freshKey(), 'claim:c', 30)
      await expect(claiming).rejects.toThrow(StoreUnavailableError)
      await expect(claiming).rejects.toThrow(/command failed: The client is closed/)
      expect(vi.getTimerCount()).toBe(timersBefore)
    } finally {
      vi.useRealTimers()
    }
  })
})
