// Reads the effects the handlers recorded in Redis and compares them with what was sent.
import type { Redis } from 'ioredis'
import { DELIVERY_EFFECTS_KEY, EFFECTS_KEY, RAN_ON_KEY } from './constants.js'
import type { EventSpec } from './events.js'

export interface Ledger {
  /** Handler effects recorded, all events together (a doubled event counts twice). */
  effects: number
  /** Events whose effect happened more than once. */
  doubled: string[]
  /** Events whose effect never happened. */
  lost: string[]
  /** File id → the process that produced its effect. */
  ranOn: Record<string, string>
}

export async function readLedger(redis: Redis, events: readonly EventSpec[]): Promise<Ledger> {
  const counts = await redis.hgetall(EFFECTS_KEY)
  const ranOn = await redis.hgetall(RAN_ON_KEY)
  let effects = 0
  for (const value of Object.values(counts)) effects += Number(value)
  const doubled = events.filter((e) => Number(counts[e.fileId] ?? 0) > 1).map((e) => e.fileId)
  const lost = events.filter((e) => !counts[e.fileId]).map((e) => e.fileId)
  return { effects, doubled, lost, ranOn }
}

/** The deferred worker's effects by `<sender>:<deliveryId>`: the delivery IDs as the router and the worker saw them. */
export async function readDeliveryEffects(redis: Redis): Promise<Map<string, number>> {
  const counts = await redis.hgetall(DELIVERY_EFFECTS_KEY)
  return new Map(Object.entries(counts).map(([key, value]) => [key, Number(value)]))
}
