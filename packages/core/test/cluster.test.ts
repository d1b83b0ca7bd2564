// The dedupe protocol on a real three-master Redis Cluster, through ioredis `Cluster` and
// node-redis `createCluster` (v5, and v4, the oldest the peer range allows). A delivery key and
// its replay nonce hash to different slots, so the store sends them as two commands; these tests
// pick keys on different nodes to prove it holds.
import { createWebhookRouter, type DedupeStore, qstash, StoreUnavailableError } from '@upload-webhooks/core'
import { redisStore } from '@upload-webhooks/core/redis'
import { createTestDelivery, devSigningKeys, silentLogger } from '@upload-webhooks/core/testing'
import { Cluster } from 'ioredis'
import { createCluster } from 'redis'
import { createCluster as createClusterV4 } from 'redis-v4'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { fixture, UPLOADKIT } from './fixtures.js'

const clusterNodes = inject('redisClusterNodes')
const url = 'http://localhost/api/webhooks/upload'
const seeds = (clusterNodes ?? []).map((address) => {
  const [host, port] = address.split(':')
  return { host: host!, port: Number(port) }
})

let admin: Cluster
let nodeRedis: ReturnType<typeof createCluster>
let nodeRedisV4: ReturnType<typeof createClusterV4>

beforeAll(async () => {
  if (!clusterNodes) return
  admin = new Cluster(seeds, { lazyConnect: true })
  await admin.connect()
  const rootNodes = seeds.map(({ host, port }) => ({ url: `redis://${host}:${port}` }))
  nodeRedis = createCluster({ rootNodes })
  await nodeRedis.connect()
  nodeRedisV4 = createClusterV4({ rootNodes })
  await nodeRedisV4.connect()
})
afterAll(async () => {
  admin?.disconnect()
  await nodeRedis?.close()
  await nodeRedisV4?.quit()
})

/** The master serving `key`, as `host:port`, from the cluster's own `CLUSTER KEYSLOT` and slot map. */
async function nodeOf(key: string): Promise<{ slot: number; node: string }> {
  const slot = Number(await admin.cluster('KEYSLOT', key))
  const range = (await admin.cluster('SLOTS')).find(([first, last]) => slot >= first && slot <= last)
  const master = range?.[2]
  if (!master) throw new Error(`no master serves slot ${slot}`)
  return { slot, node: `${master[0]}:${master[1]}` }
}

/** One key per master: `make(i)` for increasing i until each key lives on a different node. */
async function keysOnDistinctNodes(count: number, make: (i: number) => string): Promise<string[]> {
  const byNode = new Map<string, string>()
  for (let i = 0; byNode.size < count; i++) {
    const key = make(i)
    const { node } = await nodeOf(key)
    if (!byNode.has(node)) byNode.set(node, key)
  }
  return [...byNode.values()]
}

/** Every key under `prefix` on every master (`KEYS` only sees one node's keys). */
async function keysUnder(prefix: string): Promise<string[]> {
  const perNode = await Promise.all(admin.nodes('master').map((node) => node.keys(`${prefix}*`)))
  return perNode.flat().sort()
}

/** The ioredis connection to the master serving `key`, for per-node commands (SCRIPT, INFO). */
async function masterOf(key: string) {
  const { node } = await nodeOf(key)
  const master = admin.nodes('master').find((client) => `${client.options.host}:${client.options.port}` === node)
  if (!master) throw new Error(`no connection to ${node}`)
  return master
}

const clients: [string, () => DedupeStore][] = [
  ['ioredis Cluster', () => redisStore(admin)],
  ['node-redis createCluster', () => redisStore(nodeRedis)],
  ['node-redis v4 createCluster', () => redisStore(nodeRedisV4)],
]

let n = 0
const freshPrefix = () => `cl${process.pid}x${n++}`

describe.skipIf(!clusterNodes).each(clients)('dedupe protocol on a Redis Cluster through %s', (_name, makeStore) => {
  it('the test cluster has three masters that each serve slots', async () => {
    expect(admin.nodes('master')).toHaveLength(3)
    const keys = await keysOnDistinctNodes(3, (i) => `${freshPrefix()}:probe:${i}`)
    expect(new Set(await Promise.all(keys.map(async (key) => (await nodeOf(key)).node))).size).toBe(3)
  })

  it('claim → commit → duplicate; a second claim while the first runs is in-flight', async () => {
    const store = makeStore()
    const [key] = await keysOnDistinctNodes(1, (i) => `${freshPrefix()}:qstash:msg_${i}`)
    expect(await store.claim(key!, 'claim:fpA:1', 30)).toEqual({ state: 'claimed' })
    expect(await store.claim(key!, 'claim:fpA:2', 30)).toEqual({ state: 'in-flight', retryAfterSeconds: 30 })
    expect(await store.commit(key!, 'claim:fpA:2', 60)).toBe(false)
    expect(await store.commit(key!, 'claim:fpA:1', 60)).toBe(true)
    expect(await admin.get(key!)).toBe('done:fpA')
    expect(await store.claim(key!, 'claim:fpA:3', 30)).toEqual({ state: 'done' })
  })

  it('release frees the key for the next claim; a stranger cannot release it', async () => {
    const store = makeStore()
    const key = `${freshPrefix()}:qstash:msg`
    expect(await store.claim(key, 'claim:fpA:1', 30)).toEqual({ state: 'claimed' })
    expect(await store.release(key, 'claim:fpA:other')).toBe(false)
    expect(await store.release(key, 'claim:fpA:1')).toBe(true)
    expect(await admin.exists(key)).toBe(0)
    expect(await store.claim(key, 'claim:fpA:2', 30)).toEqual({ state: 'claimed' })
  })

  it('the same key from another body is a conflict, claimed or done', async () => {
    const store = makeStore()
    const key = `${freshPrefix()}:qstash:msg`
    expect(await store.claim(key, 'claim:fpA:1', 30)).toEqual({ state: 'claimed' })
    expect(await store.claim(key, 'claim:fpB:2', 30)).toEqual({ state: 'conflict' })
    expect(await store.commit(key, 'claim:fpA:1', 60)).toBe(true)
    expect(await store.claim(key, 'claim:fpB:3', 30)).toEqual({ state: 'conflict' })
    expect(await admin.get(key)).toBe('done:fpA')
  })

  it('a nonce under another delivery ID is replayed and leaves no key for that ID, across three nodes', async () => {
    const store = makeStore()
    const prefix = freshPrefix()
    const nonceKey = `${prefix}~nonce:qstash:jti_1`
    const [original, forged] = (await keysOnDistinctNodes(3, (i) => (i === 0 ? nonceKey : `${prefix}:qstash:msg_${i}`))).slice(1)
    const placed = await Promise.all([nonceKey, original!, forged!].map(nodeOf))
    expect(new Set(placed.map((p) => p.slot)).size).toBe(3)
    expect(new Set(placed.map((p) => p.node)).size).toBe(3)

    const nonce = (owner: string) => ({ key: nonceKey, owner, ttlSeconds: 60 })
    expect(await store.claim(original!, 'claim:fpA:1', 30, nonce(original!))).toEqual({ state: 'claimed' })
    expect(await store.claim(forged!, 'claim:fpA:2', 30, nonce(forged!))).toEqual({ state: 'replayed' })
    expect(await admin.exists(forged!)).toBe(0)
    expect(await admin.get(nonceKey)).toBe(original)
    // Still replayed once the original is done; and a forged ID that somebody else holds is left alone.
    expect(await store.commit(original!, 'claim:fpA:1', 60)).toBe(true)
    await admin.set(forged!, 'done:fpZ', 'EX', 60)
    expect(await store.claim(forged!, 'claim:fpA:3', 30, nonce(forged!))).toEqual({ state: 'replayed' })
    expect(await admin.get(forged!)).toBe('done:fpZ')
    expect(await keysUnder(prefix)).toEqual([forged!, original!, nonceKey].sort())
  })

  it('the same nonce with the same owner is the sender retrying: in-flight, then done, never replayed', async () => {
    const store = makeStore()
    const prefix = freshPrefix()
    const nonceKey = `${prefix}~nonce:qstash:jti_1`
    const [, key] = await keysOnDistinctNodes(2, (i) => (i === 0 ? nonceKey : `${prefix}:qstash:msg_${i}`))
    const nonce = { key: nonceKey, owner: key!, ttlSeconds: 60 }
    expect(await store.claim(key!, 'claim:fpA:1', 30, nonce)).toEqual({ state: 'claimed' })
    expect(await store.claim(key!, 'claim:fpA:2', 30, nonce)).toEqual({ state: 'in-flight', retryAfterSeconds: 30 })
    expect(await store.commit(key!, 'claim:fpA:1', 60)).toBe(true)
    expect(await store.claim(key!, 'claim:fpA:3', 30, nonce)).toEqual({ state: 'done' })
    expect(await admin.ttl(nonceKey)).toBeGreaterThan(0)
  })

  it('when the nonce command fails, the claim made beside it on another node is given back', async () => {
    const store = makeStore()
    const prefix = freshPrefix()
    const nonceKey = `${prefix}~nonce:qstash:jti_1`
    const [, key] = await keysOnDistinctNodes(2, (i) => (i === 0 ? nonceKey : `${prefix}:qstash:msg_${i}`))
    // A list makes `SET … NX GET` fail with WRONGTYPE: a deterministic stand-in for a node timing out.
    await admin.rpush(nonceKey, 'not-a-nonce')
    await expect(store.claim(key!, 'claim:fpA:1', 30, { key: nonceKey, owner: key!, ttlSeconds: 60 })).rejects.toThrow(
      StoreUnavailableError,
    )
    // The sender's retry must not find its own delivery locked by an attempt that answered 503.
    expect(await admin.exists(key!)).toBe(0)
  })

  it('falls back to EVAL on a node whose script cache was flushed (NOSCRIPT)', async () => {
    const store = makeStore()
    const key = `${freshPrefix()}:qstash:msg`
    const master = await masterOf(key)
    expect(await store.claim(key, 'claim:fpA:1', 30)).toEqual({ state: 'claimed' })
    await master.script('FLUSH')
    await master.config('RESETSTAT')
    expect(await store.commit(key, 'claim:fpA:1', 60)).toBe(true)
    expect(await master.get(key)).toBe('done:fpA')
    const stats = `${await master.info('errorstats')}${await master.info('commandstats')}`
    expect(stats).toMatch(/errorstat_NOSCRIPT:count=1\b/)
    expect(stats).toMatch(/cmdstat_eval:calls=1,/)
  })
})

describe.skipIf(!clusterNodes).each(clients)('router over a cluster-backed store through %s', (_name, makeStore) => {
  it('processed, duplicate, and the captured delivery under a fresh upstash-message-id is 401 replayed_signature', async () => {
    const prefix = freshPrefix()
    let calls = 0
    const router = createWebhookRouter({
      verify: qstash({ ...devSigningKeys }),
      store: makeStore(),
      logger: silentLogger,
      dedupe: { keyPrefix: prefix },
      handlers: { onUploadComplete: () => void calls++ },
    })
    const captured = await createTestDelivery({ verifier: 'qstash', event: fixture(UPLOADKIT), url, deliveryId: 'msg_original' })
    const resend = async (headers: Record<string, string>) =>
      router.handle(
        new Request(url, {
          method: 'POST',
          headers: { ...Object.fromEntries(captured.headers), ...headers },
          body: await captured.clone().text(),
        }),
      )

    const first = await resend({})
    expect([first.status, await first.json()]).toMatchObject([200, { status: 'processed' }])
    const again = await resend({})
    expect([again.status, await again.json()]).toMatchObject([200, { status: 'duplicate' }])

    const [nonceKey] = (await keysUnder(prefix)).filter((key) => key.startsWith(`${prefix}~nonce:`))
    expect(nonceKey).toBeDefined()
    // A fresh ID whose key lives on another node than the nonce: the forged claim must be undone there.
    const [, forgedKey] = await keysOnDistinctNodes(2, (i) => (i === 0 ? nonceKey! : `${prefix}:qstash:msg_fresh${i}`))
    const forgedId = forgedKey!.slice(`${prefix}:qstash:`.length)
    const replay = await resend({ 'upstash-message-id': forgedId })
    expect([replay.status, await replay.json()]).toMatchObject([401, { status: 'rejected', reason: 'replayed_signature' }])
    expect(calls).toBe(1)
    expect(await keysUnder(prefix)).toEqual([`${prefix}:qstash:msg_original`, nonceKey].sort())
  })
})
