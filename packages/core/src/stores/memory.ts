import { readEnv } from '../env.js'
import type { ClaimOutcome, DedupeStore } from '../types.js'
import { DONE } from './protocol.js'

export interface MemoryStoreOptions {
  /** Most keys kept; the oldest are dropped past it. Default: 10 000. */
  maxEntries?: number
}

let warnedInProduction = false

/**
 * In-process dedupe store for development, tests and single-instance apps. Deliveries
 * are deduplicated only within this process, and forgotten on restart: use `redisStore`
 * or `upstashStore` when more than one instance receives webhooks.
 */
export function memoryStore(options: MemoryStoreOptions = {}): DedupeStore {
  const maxEntries = options.maxEntries ?? 10_000
  const entries = new Map<string, { value: string; expiresAt: number }>()
  if (readEnv('NODE_ENV') === 'production' && !warnedInProduction) {
    warnedInProduction = true
    console.warn(
      '[upload-webhooks] memoryStore() in production: duplicates are only caught within this process and are forgotten on restart. ' +
        'Pass store: redisStore(...) or upstashStore(...).',
    )
  }

  function live(key: string, now: number) {
    const entry = entries.get(key)
    if (entry && entry.expiresAt <= now) {
      entries.delete(key)
      return undefined
    }
    return entry
  }

  // One live iterator evicts from the front: every key before it has already been deleted, so it
  // always yields the oldest. A fresh keys().next() per eviction rescans the deleted slots V8
  // leaves at the front of the Map until it compacts (~6 µs per delivery at 10 000 keys).
  let oldest: Iterator<string> | undefined
  function set(key: string, value: string, seconds: number, now: number) {
    entries.delete(key) // re-insert so Map order stays oldest-first
    entries.set(key, { value, expiresAt: now + seconds * 1000 })
    while (entries.size > maxEntries) {
      let next = oldest?.next()
      if (!next || next.done) {
        oldest = entries.keys()
        next = oldest.next()
      }
      entries.delete(next.value as string)
    }
  }

  return {
    async claim(key, token, lockSeconds): Promise<ClaimOutcome> {
      const now = Date.now()
      const entry = live(key, now)
      if (!entry) {
        set(key, token, lockSeconds, now)
        return { state: 'claimed' }
      }
      if (entry.value === DONE) return { state: 'done' }
      return { state: 'in-flight', retryAfterSeconds: Math.max(1, Math.ceil((entry.expiresAt - now) / 1000)) }
    },
    async commit(key, token, ttlSeconds) {
      const now = Date.now()
      if (live(key, now)?.value !== token) return false
      set(key, DONE, ttlSeconds, now)
      return true
    },
    async release(key, token) {
      if (live(key, Date.now())?.value !== token) return false
      entries.delete(key)
      return true
    },
  }
}
