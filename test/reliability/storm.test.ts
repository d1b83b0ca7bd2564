// Duplicate storm: 5,000 distinct events (× RELIABILITY_SCALE), each delivered 3–5 times,
// concurrently and out of order, across an Express process and an h3 process sharing one
// redis-server. Exactly one effect per event, every delivery finally answered 2xx.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { makeEvents } from './support/events.js'
import { recordStorm, scaled } from './support/figures.js'
import { readLedger } from './support/ledger.js'
import { killAllServers, type ServerProcess, startServer } from './support/processes.js'
import { redisServerPath, type ScenarioRedis, startScenarioRedis } from './support/redis.js'
import { SECOND_ADAPTER, stormSeed } from './support/scenario.js'
import { seededRandom, storm } from './support/sender.js'

describe.skipIf(!redisServerPath)('duplicate storm across two processes', () => {
  let redis: ScenarioRedis
  let servers: ServerProcess[] = []

  beforeAll(async () => {
    redis = await startScenarioRedis()
    servers = await Promise.all([
      startServer({ adapter: 'express', name: 'express', redisUrl: redis.server.url, handlerDelayMs: 4 }),
      startServer({ adapter: SECOND_ADAPTER, name: SECOND_ADAPTER, redisUrl: redis.server.url, handlerDelayMs: 4 }),
    ])
  })
  afterAll(async () => {
    await killAllServers()
    await redis?.stop()
  })

  test('exactly one effect per event; every delivery answered 2xx', async () => {
    const events = makeEvents('storm', scaled(5000))
    const seed = stormSeed()
    const result = await storm({ events, targets: servers.map((s) => s.url), random: seededRandom(seed) })
    const stats = await Promise.all(servers.map((s) => s.stop()))
    const ledger = await readLedger(redis.client, events)
    const perProcess: Record<string, number> = {}
    for (const name of Object.values(ledger.ranOn)) perProcess[name] = (perProcess[name] ?? 0) + 1

    recordStorm('storm', result, ledger, {
      effectsPerProcess: JSON.stringify(perProcess),
      seed,
    })

    expect(result.undelivered).toEqual([])
    // Every copy and retry is re-signed under the event's own ID: never taken for a replay.
    expect(result.statuses['401'] ?? 0).toBe(0)
    expect(result.missingRetryAfter).toBe(0)
    expect(ledger.doubled).toEqual([])
    expect(ledger.lost).toEqual([])
    expect(ledger.effects).toBe(events.length)
    // The storm must really have raced: duplicates met in flight (409) and after the fact (200 duplicate).
    expect(result.statuses['409'] ?? 0).toBeGreaterThan(0)
    expect(result.deliveries).toBeGreaterThanOrEqual(events.length * 3)
    // Both processes did real work, and no handler ran without its effect being kept.
    for (const server of servers) expect(perProcess[server.name] ?? 0).toBeGreaterThan(events.length / 10)
    expect(stats.reduce((sum, s) => sum + s.handlerCalls, 0)).toBe(events.length)
  })
})
