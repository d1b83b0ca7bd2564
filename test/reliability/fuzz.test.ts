// Property-based fuzzing (fast-check): random mutations of valid deliveries — body bytes, header
// values, header presence. No crash, no 5xx, and a handler runs only for a body byte-identical to
// the signed one (and, where the sender signs it, the same delivery id).
import { createWebhookRouter, memoryStore } from '@upload-webhooks/core'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createVerifiers } from './server/options.js'
import { type EventSpec, HANDLED_TYPES, makeEvents, SENDER_KINDS, type SenderKind, signAttempt } from './support/events.js'
import { recordLine, scaled } from './support/figures.js'
import { applyMutations, caseArb, type Delivery, sameBytes } from './support/mutations.js'
import { killAllServers, type ServerProcess, startServer } from './support/processes.js'
import { redisServerPath, type ScenarioRedis, startScenarioRedis } from './support/redis.js'
import { stormSeed } from './support/scenario.js'
import { sendRaw, toRequest } from './support/transport.js'

const encoder = new TextEncoder()
let serial = 0

/** A fresh, validly signed delivery of `kind` (its own event, so dedupe never hides a call). */
async function validDelivery(kind: SenderKind): Promise<{ event: EventSpec; delivery: Delivery }> {
  const event = makeEvents(`fuzz-${serial++}`, SENDER_KINDS.length).find((e) => e.kind === kind)!
  return { event, delivery: { headers: Object.entries(await signAttempt(event)), body: encoder.encode(event.body) } }
}

interface Tally {
  runs: number
  accepted: number
  acceptedMutated: number
  statuses: Record<number, number>
}
const newTally = (): Tally => ({ runs: 0, accepted: 0, acceptedMutated: 0, statuses: {} })
const count = (tally: Tally, status: number) => {
  tally.runs++
  tally.statuses[status] = (tally.statuses[status] ?? 0) + 1
}

describe('fuzzing router.handle()', () => {
  test(`${scaled(10_000)} random mutations of valid deliveries: no crash, no 5xx, no handler call for altered signed content`, async () => {
    const calls: { rawBody: string; deliveryId: string }[] = []
    const record = (_event: unknown, context: { rawBody: string; deliveryId: string }) =>
      void calls.push({ rawBody: context.rawBody, deliveryId: context.deliveryId })
    const router = createWebhookRouter({
      verify: createVerifiers(),
      store: memoryStore(),
      logger: { warn: () => {}, error: () => {} },
      handlers: Object.fromEntries(HANDLED_TYPES.map((type) => [type, record])),
    })
    const tally = newTally()
    const seed = stormSeed()
    const started = performance.now()

    await fc.assert(
      fc.asyncProperty(caseArb, async ({ kind, mutations }) => {
        const { event, delivery } = await validDelivery(kind)
        const mutated = applyMutations(delivery, mutations)
        const before = calls.length
        const response = await router.handle(toRequest({ method: 'POST', headers: mutated.headers, body: mutated.body }))
        const text = await response.text()
        count(tally, response.status)
        expect(response.status).toBeLessThan(500)
        if (calls.length > before) {
          tally.accepted++
          const call = calls[calls.length - 1]!
          expect(calls.length - before).toBe(1)
          expect(sameBytes(mutated.body, delivery.body), 'handler ran for a body that is not the signed one').toBe(true)
          expect(call.rawBody).toBe(event.body)
          // Standard Webhooks signs the id; Uploadcare's id is the body's hash. QStash and Sonuslab
          // do not sign their id headers (the senders' design), so a changed id there is not a forgery.
          if (kind === 'standard-webhooks') expect(call.deliveryId).toBe(event.deliveryId)
          if (JSON.stringify(mutated.headers) !== JSON.stringify(delivery.headers)) tally.acceptedMutated++
        } else {
          // A 200 without a call is a duplicate (e.g. two runs truncated QStash's unsigned message id
          // to the same prefix) or an ignored type, never "processed".
          if (response.status === 200) expect(JSON.parse(text).status).toMatch(/^(duplicate|ignored)$/)
        }
      }),
      { numRuns: scaled(10_000), seed, endOnFailure: true },
    )
    recordLine('fuzz router.handle', {
      runs: tally.runs,
      handlerCalls: tally.accepted,
      acceptedWithUnsignedHeaderChanges: tally.acceptedMutated,
      answers: JSON.stringify(tally.statuses),
      wall: `${((performance.now() - started) / 1000).toFixed(1)}s`,
      seed,
    })
    // Both sides of the property were exercised: most mutations refused, some harmless ones accepted.
    expect(tally.runs).toBe(scaled(10_000))
    expect(tally.accepted).toBeGreaterThan(0)
    expect(tally.runs - tally.accepted).toBeGreaterThan(tally.runs / 2)
  })
})

describe.skipIf(!redisServerPath)('fuzzing real server processes', () => {
  let redis: ScenarioRedis
  let servers: ServerProcess[] = []
  beforeAll(async () => {
    redis = await startScenarioRedis()
    servers = await Promise.all([
      startServer({ adapter: 'express', name: 'express', redisUrl: redis.server.url }),
      startServer({ adapter: 'h3', name: 'h3', redisUrl: redis.server.url }),
    ])
  })
  afterAll(async () => {
    await killAllServers()
    await redis?.stop()
  })

  test(`${scaled(1500)} mutations per process over HTTP (Express, h3): no crash, no 5xx, "processed" only for the signed body`, async () => {
    const seed = stormSeed()
    const tally = newTally()
    const started = performance.now()
    let turn = 0
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ kind, mutations }) => {
        const server = servers[turn++ % servers.length]!
        const { event, delivery } = await validDelivery(kind)
        const mutated = applyMutations(delivery, mutations)
        const answer = await sendRaw(server.url, { method: 'POST', headers: mutated.headers, body: mutated.body })
        count(tally, answer.status)
        expect(answer.status, `${server.name}: ${answer.body}`).toBeLessThan(500)
        if (answer.status === 200 && answer.body.includes('"processed"')) {
          tally.accepted++
          expect(sameBytes(mutated.body, delivery.body), `${server.name} processed a body that is not the signed one`).toBe(true)
          if (kind === 'standard-webhooks') expect(answer.body).toContain(event.deliveryId)
        }
      }),
      { numRuns: scaled(1500) * servers.length, seed, endOnFailure: true },
    )
    for (const server of servers) expect(server.child.exitCode, `${server.name} crashed`).toBeNull()
    const stats = await Promise.all(servers.map((s) => s.stop()))
    recordLine('fuzz over HTTP', {
      runs: tally.runs,
      servers: servers.map((s) => s.name).join('+'),
      processed: tally.accepted,
      handlerCalls: stats.reduce((sum, s) => sum + s.handlerCalls, 0),
      answers: JSON.stringify(tally.statuses),
      wall: `${((performance.now() - started) / 1000).toFixed(1)}s`,
      seed,
    })
    expect(stats.reduce((sum, s) => sum + s.handlerCalls, 0)).toBe(tally.accepted)
    expect(tally.accepted).toBeGreaterThan(0)
  })
})
