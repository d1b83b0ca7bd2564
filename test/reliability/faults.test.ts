// Faults during a storm: handlers that throw, redis-server crash-restarted mid-run, and a
// server process SIGKILLed mid-handler. Every event still ends with exactly one effect.
import { createWebhookRouter } from '@upload-webhooks/core'
import { redisStore } from '@upload-webhooks/core/redis'
import { afterEach, describe, expect, test } from 'vitest'
import { createRedis, createVerifiers, redisReady, type ServerStats } from './server/options.js'
import { makeEvents, signAttempt } from './support/events.js'
import { recordStorm, scaled } from './support/figures.js'
import { readLedger } from './support/ledger.js'
import { killAllServers, startServer } from './support/processes.js'
import { redisServerPath, type ScenarioRedis, startScenarioRedis } from './support/redis.js'
import { SECOND_ADAPTER, stormSeed } from './support/scenario.js'
import { seededRandom, storm } from './support/sender.js'
import { toRequest } from './support/transport.js'

let redis: ScenarioRedis | undefined
afterEach(async () => {
  await killAllServers()
  await redis?.stop()
  redis = undefined
})

type Counter = { [K in keyof ServerStats]: ServerStats[K] extends number ? K : never }[keyof ServerStats]
const sum = (stats: readonly ServerStats[], field: Counter) => stats.reduce((total, s) => total + s[field], 0)

describe.skipIf(!redisServerPath)('faults', () => {
  test('30 % of handler calls throw: every event still processed exactly once', async () => {
    redis = await startScenarioRedis()
    const url = redis.server.url
    const servers = await Promise.all([
      startServer({ adapter: 'express', name: 'express', redisUrl: url, faultRate: 0.3, handlerDelayMs: 2 }),
      startServer({ adapter: SECOND_ADAPTER, name: SECOND_ADAPTER, redisUrl: url, faultRate: 0.3, handlerDelayMs: 2 }),
    ])
    const events = makeEvents('throw', scaled(1500))
    const seed = stormSeed()
    const result = await storm({ events, targets: servers.map((s) => s.url), random: seededRandom(seed) })
    const stats = await Promise.all(servers.map((s) => s.stop()))
    const ledger = await readLedger(redis.client, events)
    const faults = sum(stats, 'injectedFaults')
    recordStorm('handler-throws-30%', result, ledger, { handlerCalls: sum(stats, 'handlerCalls'), injectedFaults: faults, seed })

    expect(result.undelivered).toEqual([])
    expect(ledger.doubled).toEqual([])
    expect(ledger.lost).toEqual([])
    expect(ledger.effects).toBe(events.length)
    // About 30 % of calls threw (binomial: within 5 standard deviations), each answered 500 and retried.
    const calls = sum(stats, 'handlerCalls')
    const sigma = Math.sqrt(0.3 * 0.7 * calls)
    expect(Math.abs(faults - 0.3 * calls)).toBeLessThan(5 * sigma)
    expect(result.statuses['500']).toBe(faults)
    expect(sum(stats, 'handlerCalls')).toBe(events.length + faults)
  })

  test('redis-server crash-restarted mid-run: 503 while down, recovery without a process restart, nothing lost', async () => {
    redis = await startScenarioRedis({ durable: true })
    const url = redis.server.url
    // lockSeconds 4: claims orphaned by the crash expire soon, yet outlast the 1.5 s outage so the
    // router's commit retries (100 ms doubling) land while the claim is still theirs.
    const servers = await Promise.all([
      startServer({ adapter: 'express', name: 'express', redisUrl: url, lockSeconds: 4, handlerDelayMs: 2 }),
      startServer({ adapter: SECOND_ADAPTER, name: SECOND_ADAPTER, redisUrl: url, lockSeconds: 4, handlerDelayMs: 2 }),
    ])
    const pids = servers.map((s) => s.child.pid)
    const events = makeEvents('restart', scaled(1500))
    const seed = stormSeed()
    let restart: Promise<void> | undefined
    let answersBeforeRestart = 0
    const downMs = 1500
    const result = await storm({
      events,
      targets: servers.map((s) => s.url),
      random: seededRandom(seed),
      onAnswer: (_status, requests) => {
        // A third of the way in: kill Redis, keep it down for 1.5 s, start it again on the same port.
        if (!restart && requests >= events.length) {
          answersBeforeRestart = requests
          restart = redis!.restart(downMs)
        }
      },
    })
    await restart
    const stats = await Promise.all(servers.map((s) => s.stop()))
    const ledger = await readLedger(redis.client, events)
    // A failed commit is retried by the router while the claim lasts, so it must not double anything.
    // An effect write that failed with the connection (Redis died after applying it, before
    // answering) is ambiguous to the handler itself: it threw, so its retry may apply it again.
    // Only those may double; a handler that must not, writes its effect idempotently.
    const ambiguous = new Set(stats.flatMap((s) => s.effectWriteErrorIds))
    recordStorm('redis-restart', result, ledger, {
      restartedAfter: answersBeforeRestart,
      downMs,
      storeUnavailable503: sum(stats, 'storeUnavailable'),
      commitFailures: sum(stats, 'commitFailures'),
      commitsRecovered: sum(stats, 'commitsRecovered'),
      effectWriteErrors: sum(stats, 'effectWriteErrors'),
      seed,
    })

    expect(restart, 'the restart never happened').toBeDefined()
    expect(result.statuses['503'] ?? 0).toBeGreaterThan(0)
    expect(result.missingRetryAfter).toBe(0)
    expect(result.undelivered).toEqual([])
    expect(ledger.lost).toEqual([])
    expect(
      ledger.doubled.filter((id) => !ambiguous.has(id)),
      'doubled without an ambiguous effect write',
    ).toEqual([])
    expect(ledger.effects).toBe(events.length + ledger.doubled.length)
    // Same processes before and after: they recovered on their own.
    expect(servers.map((s) => s.child.pid)).toEqual(pids)
  })

  test('a server process SIGKILLed mid-handler: its claims expire after lockSeconds and the other process runs them', async () => {
    redis = await startScenarioRedis()
    const url = redis.server.url
    const hangAfter = 30
    const victim = await startServer({ adapter: 'express', name: 'victim', redisUrl: url, lockSeconds: 2, reportStarts: true, hangAfter })
    const survivor = await startServer({ adapter: SECOND_ADAPTER, name: 'survivor', redisUrl: url, lockSeconds: 2, handlerDelayMs: 2 })
    const events = makeEvents('sigkill', scaled(1000))
    const seed = stormSeed()
    const run = storm({ events, targets: [victim.url, survivor.url], random: seededRandom(seed) })
    // Once the victim has handlers stuck mid-way (after its first 30 finished normally), kill it.
    await victim.startsReached(hangAfter + 8)
    await victim.kill()
    const killedAt = performance.now()
    const result = await run
    const stats = await survivor.stop()
    const ledger = await readLedger(redis.client, events)
    const midHandler = victim.started.slice(hangAfter)
    const takenOver = midHandler.filter((id) => ledger.ranOn[id] === 'survivor')
    recordStorm('sigkill-mid-handler', result, ledger, {
      killedMidHandler: midHandler.length,
      takenOverBySurvivor: takenOver.length,
      survivorHandlerCalls: stats.handlerCalls,
      lockSeconds: 2,
      runAfterKill: `${((performance.now() - killedAt) / 1000).toFixed(1)}s`,
      seed,
    })

    expect(midHandler.length).toBeGreaterThan(0)
    expect(takenOver).toEqual(midHandler)
    expect(result.undelivered).toEqual([])
    expect(ledger.doubled).toEqual([])
    expect(ledger.lost).toEqual([])
    expect(ledger.effects).toBe(events.length)
    // The survivor had to wait out the dead process's locks: it answered 409 meanwhile.
    expect(result.statuses['409'] ?? 0).toBeGreaterThan(0)
    expect(result.missingRetryAfter).toBe(0)
    expect(result.statuses['network'] ?? 0).toBeGreaterThan(0)
  })

  // The handler's effect and the `done` marker are two writes. When the store dies between them the
  // router answers 200 (the effect happened) and keeps retrying the commit while the claim's lock
  // lasts, so a later duplicate is answered "duplicate" instead of running the handler again.
  // (Before core retried the commit, this gave effects 2.)
  test("Redis dying between a handler's effect and its commit: the commit is retried, a later duplicate does not run the handler again", async () => {
    redis = await startScenarioRedis({ durable: true })
    const client = createRedis(redis.server.url)
    client.on('error', () => {})
    await redisReady(client)
    let effects = 0
    const scenarioRedis = redis
    const router = createWebhookRouter({
      verify: createVerifiers(),
      store: redisStore(client, { commandTimeoutMs: 500 }),
      dedupe: { lockSeconds: 3 },
      logger: { warn: () => {}, error: () => {} },
      handlers: {
        'upload.completed': async () => {
          effects++
          // The crash lands after the effect, before the router's commit.
          if (effects === 1) await scenarioRedis.server.stop()
        },
      },
    })
    const event = makeEvents('gap', 2).find((e) => e.kind === 'sonuslab')!
    const deliver = async () => {
      const response = await router.handle(
        toRequest({ method: 'POST', headers: Object.entries(await signAttempt(event)), body: event.body }),
      )
      return { status: response.status, body: (await response.json()) as { status: string } }
    }
    try {
      expect(await deliver()).toEqual({ status: 200, body: expect.objectContaining({ status: 'processed' }) })
      await redis.restart(0)
      await redisReady(client)
      await new Promise((resolve) => setTimeout(resolve, 3200)) // past the claim's 3 s lock
      expect(await deliver()).toEqual({ status: 200, body: expect.objectContaining({ status: 'duplicate' }) })
      expect(effects).toBe(1)
    } finally {
      client.disconnect()
    }
  })
})
