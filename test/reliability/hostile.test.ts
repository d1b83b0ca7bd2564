// The hostile corpus (every verifier in core's registry): each request answered with the status
// docs/architecture.md names, no handler call, no key in the real Redis; then the replay and
// conflict sequences, which may leave only the keys their one processed delivery writes; then
// the valid controls. Through router.handle() and through real Express, h3 v1 and h3 v2 processes.
import { createWebhookRouter, type WebhookRouter } from '@upload-webhooks/core'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import { createRedis, createRouterOptions, emptyStats, redisReady, type ServerStats } from './server/options.js'
import { buildControls, buildCorpus, type HostileCase } from './support/corpus.js'
import { SENDER_KINDS } from './support/events.js'
import { recordLine } from './support/figures.js'
import { boundaryIdControls } from './support/invalid-ids.js'
import { killAllServers, type ServerProcess, startServer } from './support/processes.js'
import { redisServerPath, type ScenarioRedis, startScenarioRedis } from './support/redis.js'
import { buildRaces, buildSequences, type HostileSequence, REPLAY_COPIES, stepMismatch } from './support/replays.js'
import { ExpectedKeys, keyProblems, readStoreKeys, storeIdOf } from './support/store-keys.js'
import { type Answer, sendRaw, toRequest } from './support/transport.js'

const redisUrl = inject('redisUrl')
/** A database of the shared test server that only this file uses. */
const CORPUS_DB = 9

let corpus: HostileCase[]
let sequences: HostileSequence[]
let controls: HostileCase[]
beforeAll(async () => {
  corpus = await buildCorpus()
  sequences = await buildSequences()
  controls = [...(await buildControls()), ...(await boundaryIdControls())]
})

/** The keys the sequences leave, then those plus the controls' (each control processed once). */
const sequenceKeys = () => sequences.reduce((keys, s) => keys.merge(s.keys), new ExpectedKeys())
function controlKeys(): ExpectedKeys {
  const keys = new ExpectedKeys()
  for (const c of controls) {
    if (c.sender === 'none' || c.body === null) throw new Error(`${c.name}: a control is one sender's signed delivery`)
    keys.processed(c.sender, storeIdOf(c.sender, c.headers, c.body))
  }
  return keys
}
const sequenceSteps = () => sequences.reduce((n, s) => n + s.steps.length, 0)

/** What was wrong with an answer, or undefined when it is what the case expects. */
function mismatch(c: HostileCase, answer: Answer, overHttp: boolean): string | undefined {
  const expected = overHttp ? (c.httpStatus ?? c.status) : c.status
  const allow = answer.headers['allow']
  if (answer.status !== expected) return `${c.name}: expected ${expected}, got ${answer.status} ${answer.body.slice(0, 200)}`
  if (c.notEchoed && answer.body.includes(c.notEchoed)) return `${c.name}: the answer echoes the untrusted delivery ID`
  if (expected === 405 && allow !== 'POST') return `${c.name}: 405 without Allow: POST (${String(allow)})`
  // Node's own answer (before the router ran) is not the router's JSON.
  if ((overHttp && c.httpStatus !== undefined) || c.method === 'HEAD') return undefined
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
const answerOf = async (response: Response): Promise<Answer> => ({
  status: response.status,
  headers: headerOf(response.headers),
  body: await response.text(),
})

/** Every step of every sequence through `send`; the mismatches, and the sequences whose handler-call count was off (where it can be seen). */
async function runSequences(send: (step: HostileSequence['steps'][number], index: number) => Promise<Answer>, calls?: () => number) {
  const problems: string[] = []
  let index = 0
  for (const sequence of sequences) {
    const before = calls?.()
    for (const step of sequence.steps) {
      const problem = stepMismatch(sequence, step, await send(step, index++))
      if (problem) problems.push(problem)
    }
    if (calls && calls() - before! !== sequence.handlerCalls)
      problems.push(`${sequence.name}: ${calls() - before!} handler calls, expected ${sequence.handlerCalls}`)
  }
  return problems
}

test('the corpus is big and covers every verifier; every sender has a replay sequence', () => {
  expect(corpus.length).toBeGreaterThanOrEqual(200)
  for (const kind of SENDER_KINDS) {
    expect(corpus.filter((c) => c.sender === kind).length, kind).toBeGreaterThanOrEqual(40)
    expect(sequences.filter((s) => s.sender === kind).length, kind).toBeGreaterThanOrEqual(1)
  }
  expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length)
  expect(corpus.filter((c) => c.reason === 'invalid_delivery_id').length).toBeGreaterThan(0)
  expect(sequences.some((s) => s.steps.some((step) => step.reason === 'replayed_signature'))).toBe(true)
  expect(sequences.some((s) => s.steps.some((step) => step.reason === 'delivery_conflict'))).toBe(true)
})

/** The store's keys against the expectation, as figures and problems. */
async function accountKeys(redis: Redis, expected: ExpectedKeys) {
  const found = await readStoreKeys(redis)
  return { found, problems: keyProblems(found, expected) }
}

describe.skipIf(!redisUrl)('through router.handle() with a redisStore', () => {
  let redis: Redis
  let router: WebhookRouter
  const stats: ServerStats = emptyStats()
  beforeAll(async () => {
    redis = createRedis(`${redisUrl}/${CORPUS_DB}`)
    await redisReady(redis)
    await redis.flushdb()
    const env = {
      name: 'in-process',
      redisUrl: '',
      faultRate: 0,
      lockSeconds: undefined,
      handlerDelayMs: 0,
      reportStarts: false,
      hangAfter: undefined,
      deferQueue: undefined,
    }
    router = createWebhookRouter(createRouterOptions(env, redis, stats, () => {}))
  })
  afterAll(async () => {
    await redis?.flushdb().catch(() => {})
    redis?.disconnect()
  })

  test('every hostile request gets its status, 0 handler calls, 0 store keys', async () => {
    const problems: string[] = []
    const started = performance.now()
    for (const c of corpus) {
      const problem = mismatch(c, await answerOf(await router.handle(toRequest(c))), false)
      if (problem) problems.push(problem)
    }
    const keys = await redis.dbsize()
    recordLine('hostile router.handle', {
      requests: corpus.length,
      asDesigned: corpus.length - problems.length,
      handlerCalls: stats.handlerCalls,
      storeKeys: keys,
      expectedKeys: 0,
      wall: `${((performance.now() - started) / 1000).toFixed(1)}s`,
    })
    expect(problems).toEqual([])
    expect(stats.handlerCalls).toBe(0)
    expect(keys).toBe(0)
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })

  test("replays under fresh IDs and conflicting bodies: each answered as designed, one handler call per sequence, only the original's keys", async () => {
    const started = performance.now()
    const problems = await runSequences(
      async (step) => answerOf(await router.handle(toRequest(step))),
      () => stats.handlerCalls,
    )
    const expected = sequenceKeys()
    const { found, problems: keyIssues } = await accountKeys(redis, expected)
    recordLine('replays router.handle', {
      requests: sequenceSteps(),
      asDesigned: sequenceSteps() - problems.length,
      handlerCalls: stats.handlerCalls,
      storeKeys: found.total,
      expectedKeys: `${expected.size} (${expected.deliveries.size} delivery + ${expected.nonces.length} nonce)`,
      wall: `${((performance.now() - started) / 1000).toFixed(1)}s`,
    })
    expect(problems).toEqual([])
    expect(stats.handlerCalls).toBe(sequences.reduce((n, s) => n + s.handlerCalls, 0))
    expect(keyIssues).toEqual([])
  })

  test('the same router takes the valid controls, writing exactly their delivery and nonce keys', async () => {
    const callsBefore = stats.handlerCalls
    for (const c of controls) {
      const answer = await answerOf(await router.handle(toRequest(c)))
      expect(answer.status, `${c.name}: ${answer.body}`).toBe(200)
      expect(JSON.parse(answer.body).status, c.name).toBe('processed')
    }
    expect(stats.handlerCalls - callsBefore).toBe(controls.length)
    const { problems } = await accountKeys(redis, sequenceKeys().merge(controlKeys()))
    expect(problems).toEqual([])
  })

  test('a captured delivery racing its original under 4 fresh IDs at once: exactly one runs, every other copy is a replay', async () => {
    const callsBefore = stats.handlerCalls
    const expected = sequenceKeys().merge(controlKeys())
    const races = await buildRaces()
    for (const race of races) {
      const answers = await Promise.all(race.copies.map(async (copy) => answerOf(await router.handle(toRequest(copy)))))
      const outcomes = answers.map((a) => `${a.status} ${JSON.parse(a.body).reason ?? JSON.parse(a.body).status}`).sort()
      expect(outcomes, race.sender).toEqual(['200 processed', ...Array(REPLAY_COPIES).fill('401 replayed_signature')])
      const winner = answers.find((a) => a.status === 200)!
      expected.processed(race.sender, JSON.parse(winner.body).deliveryId)
    }
    expect(races.length).toBeGreaterThan(0)
    expect(stats.handlerCalls - callsBefore).toBe(races.length)
    expect((await accountKeys(redis, expected)).problems).toEqual([])
  })

  test('router.handle() given a Request whose body was already read: 500 raw_body_unavailable, no handler, no key', async () => {
    const callsBefore = stats.handlerCalls
    const keysBefore = await redis.dbsize()
    const [control] = await buildControls()
    const request = toRequest(control!)
    await request.text()
    const answer = await answerOf(await router.handle(request))
    expect(answer.status).toBe(500)
    expect(JSON.parse(answer.body).reason).toBe('raw_body_unavailable')
    expect(stats.handlerCalls).toBe(callsBefore)
    expect(await redis.dbsize()).toBe(keysBefore)
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
    const keys = await redis.client.dbsize()
    recordLine('hostile over HTTP', {
      requests: corpus.length * servers.length,
      servers: servers.map((s) => s.name).join('+'),
      asDesigned: corpus.length * servers.length - problems.length,
      storeKeys: keys,
      expectedKeys: 0,
      wall: `${((performance.now() - started) / 1000).toFixed(1)}s`,
    })
    expect(problems).toEqual([])
    expect(keys).toBe(0)
  })

  test('replays and conflicts spread over the three processes, then the controls: one handler call each, exactly the expected keys', async () => {
    const started = performance.now()
    // Step i goes to process i mod 3: the original and its replays land on different processes.
    const problems = await runSequences((step, index) => sendRaw(servers[index % servers.length]!.url, step))
    const expected = sequenceKeys()
    const afterSequences = await accountKeys(redis.client, expected)
    // Controls: each process takes each valid delivery (the first processes it, the others see a duplicate).
    for (const server of servers)
      for (const c of controls) {
        const answer = await sendRaw(server.url, c)
        if (answer.status !== 200)
          problems.push(`${server.name} ${c.name}: expected 200, got ${answer.status} ${answer.body.slice(0, 200)}`)
      }
    const stats = await Promise.all(servers.map((s) => s.stop()))
    const handlerCalls = stats.reduce((sum, s) => sum + s.handlerCalls, 0)
    const expectedCalls = sequences.reduce((n, s) => n + s.handlerCalls, 0) + controls.length
    const withControls = expected.merge(controlKeys())
    const afterControls = await accountKeys(redis.client, withControls)
    const requests = sequenceSteps() + controls.length * servers.length
    recordLine('replays over HTTP', {
      requests,
      servers: servers.map((s) => s.name).join('+'),
      asDesigned: requests - problems.length,
      handlerCalls,
      expectedHandlerCalls: expectedCalls,
      storeKeys: afterControls.found.total,
      expectedKeys: `${withControls.size} (${withControls.deliveries.size} delivery + ${withControls.nonces.length} nonce)`,
      wall: `${((performance.now() - started) / 1000).toFixed(1)}s`,
    })
    expect(problems).toEqual([])
    expect(afterSequences.problems).toEqual([])
    expect(afterControls.problems).toEqual([])
    expect(handlerCalls).toBe(expectedCalls)
  })
})
