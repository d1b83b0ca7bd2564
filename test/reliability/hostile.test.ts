// The hostile corpus (≥ 200 requests across all four verifiers): each answered with the status
// DESIGN.md names, no handler call, no key in the real Redis — through router.handle() and
// through real Express and h3 server processes.
import { createWebhookRouter } from '@upload-webhooks/core'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import { createRedis, createRouterOptions, redisReady, type ServerStats } from './server/options.js'
import { buildControls, buildCorpus, type HostileCase } from './support/corpus.js'
import { SENDER_KINDS } from './support/events.js'
import { recordLine } from './support/figures.js'
import { killAllServers, type ServerProcess, startServer } from './support/processes.js'
import { redisServerPath, type ScenarioRedis, startScenarioRedis } from './support/redis.js'
import { type Answer, sendRaw, toRequest } from './support/transport.js'

const redisUrl = inject('redisUrl')
/** A database of the shared test server that only this file uses. */
const CORPUS_DB = 9

let corpus: HostileCase[]
let controls: HostileCase[]
beforeAll(async () => {
  corpus = await buildCorpus()
  controls = await buildControls()
})

/** What was wrong with an answer, or undefined when it is what the case expects. */
function mismatch(c: HostileCase, answer: Answer, overHttp: boolean): string | undefined {
  const expected = overHttp ? (c.httpStatus ?? c.status) : c.status
  const allow = answer.headers['allow']
  if (answer.status !== expected) return `${c.name}: expected ${expected}, got ${answer.status} ${answer.body.slice(0, 200)}`
  if (expected === 405 && allow !== 'POST') return `${c.name}: 405 without Allow: POST (${String(allow)})`
  if (expected !== c.status || c.method === 'HEAD') return undefined
  let json: { status?: string; reason?: string }
  try {
    json = JSON.parse(answer.body) as typeof json
  } catch {
    return `${c.name}: body is not JSON: ${answer.body.slice(0, 200)}`
  }
  if (c.reason && json.reason !== c.reason) return `${c.name}: expected reason ${c.reason}, got ${json.reason}`
  if (expected === 200 && json.status !== 'ignored') return `${c.name}: expected status ignored, got ${json.status}`
  return undefined
}

const headerOf = (headers: Headers): Answer['headers'] => Object.fromEntries(headers.entries())

test('the corpus is big and covers every verifier', () => {
  expect(corpus.length).toBeGreaterThanOrEqual(200)
  for (const kind of SENDER_KINDS) expect(corpus.filter((c) => c.sender === kind).length, kind).toBeGreaterThanOrEqual(40)
  expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length)
})

describe.skipIf(!redisUrl)('through router.handle() with a redisStore', () => {
  test('every hostile request gets its status, 0 handler calls, 0 store keys; the valid controls do get through', async () => {
    const redis = createRedis(`${redisUrl}/${CORPUS_DB}`)
    try {
      await redisReady(redis)
      await redis.flushdb()
      const stats: ServerStats = {
        handlerCalls: 0,
        injectedFaults: 0,
        effectWriteErrors: 0,
        effectWriteErrorIds: [],
        commitFailures: 0,
        commitsRecovered: 0,
        releaseFailures: 0,
        storeUnavailable: 0,
      }
      const env = {
        name: 'in-process',
        redisUrl: '',
        faultRate: 0,
        lockSeconds: undefined,
        handlerDelayMs: 0,
        reportStarts: false,
        hangAfter: undefined,
      }
      const router = createWebhookRouter(createRouterOptions(env, redis, stats, () => {}))

      const problems: string[] = []
      const started = performance.now()
      for (const c of corpus) {
        const response = await router.handle(toRequest(c))
        const problem = mismatch(c, { status: response.status, headers: headerOf(response.headers), body: await response.text() }, false)
        if (problem) problems.push(problem)
      }
      const elapsed = performance.now() - started
      const keys = await redis.dbsize()
      recordLine('hostile router.handle', {
        requests: corpus.length,
        asDesigned: corpus.length - problems.length,
        handlerCalls: stats.handlerCalls,
        storeKeys: keys,
        wall: `${(elapsed / 1000).toFixed(1)}s`,
      })

      expect(problems).toEqual([])
      expect(stats.handlerCalls).toBe(0)
      expect(keys).toBe(0)
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()

      // The same router accepts the real thing, so the zeros above are not an accident of setup.
      for (const c of controls) expect((await router.handle(toRequest(c))).status, c.name).toBe(200)
      expect(stats.handlerCalls).toBe(controls.length)
      expect(await redis.dbsize()).toBeGreaterThan(0)
    } finally {
      await redis.flushdb().catch(() => {})
      redis.disconnect()
    }
  })
})

describe.skipIf(!redisServerPath)('through real server processes', () => {
  let redis: ScenarioRedis
  let servers: ServerProcess[] = []
  beforeAll(async () => {
    redis = await startScenarioRedis()
    const url = redis.server.url
    servers = await Promise.all([
      startServer({ adapter: 'express', name: 'express', redisUrl: url }),
      startServer({ adapter: 'h3', name: 'h3', redisUrl: url }),
      startServer({ adapter: 'h3v2', name: 'h3v2', redisUrl: url }),
    ])
  })
  afterAll(async () => {
    await killAllServers()
    await redis?.stop()
  })

  test('Express, h3 v1 and h3 v2 answer every hostile request as designed and write nothing to Redis', async () => {
    const problems: string[] = []
    const started = performance.now()
    for (const server of servers) {
      for (const c of corpus) {
        try {
          const problem = mismatch(c, await sendRaw(server.url, c), true)
          if (problem) problems.push(`${server.name} ${problem}`)
        } catch (error) {
          problems.push(`${server.name} ${c.name}: ${(error as Error).message}`)
        }
      }
    }
    const elapsed = performance.now() - started
    const keys = await redis.client.dbsize()
    recordLine('hostile over HTTP', {
      requests: corpus.length * servers.length,
      servers: servers.map((s) => s.name).join('+'),
      asDesigned: corpus.length * servers.length - problems.length,
      storeKeys: keys,
      wall: `${(elapsed / 1000).toFixed(1)}s`,
    })
    expect(problems).toEqual([])
    expect(keys).toBe(0)

    // Controls: each server takes the valid deliveries (the first processes, the others see duplicates).
    for (const server of servers)
      for (const c of controls) expect((await sendRaw(server.url, c)).status, `${server.name} ${c.name}`).toBe(200)
    const stats = await Promise.all(servers.map((s) => s.stop()))
    expect(stats.reduce((sum, s) => sum + s.handlerCalls, 0)).toBe(controls.length)
    expect(await redis.client.dbsize()).toBeGreaterThan(0)
  })
})
