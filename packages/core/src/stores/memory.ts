import { isProduction, numberOption } from '../options.js'
import type { ClaimOutcome, DedupeStore, Logger } from '../types.js'
import { claimOutcome, doneValue } from './protocol.js'

export interface MemoryStoreOptions {
  /**
   * Most keys kept (deliveries and replay nonces), 1 to 10 000 000; past it the oldest go, and
   * dropping a processed record that has not expired is logged once. Default: 100 000.
   */
  maxEntries?: number
}

/** The production warning is once per process, however many stores and routers there are. */
let warnedInProduction = false

interface Entry {
  value: string
  expiresAt: number
}

/**
 * In-process dedupe store for development, tests and single-instance apps. Deliveries
 * are deduplicated only within this process, and forgotten on restart: use `redisStore`
 * or `upstashStore` when more than one instance receives webhooks.
 */
export function memoryStore(options: MemoryStoreOptions = {}): DedupeStore {
  const maxEntries = numberOption('memoryStore()', 'maxEntries', options.maxEntries, 100_000, { min: 1, max: 10_000_000, integer: true })
  const entries = new Map<string, Entry>()
  let logger: Logger = console
  let warnedEviction = false

  function live(key: string, now: number): Entry | undefined {
    const entry = entries.get(key)
    if (entry && entry.expiresAt <= now) {
      entries.delete(key)
      return undefined
    }
    return entry
  }

  function evicted(key: string, entry: Entry, now: number) {
    if (warnedEviction || entry.expiresAt <= now || !entry.value.startsWith('done')) return
    warnedEviction = true
    logger.warn(
      `[upload-webhooks] memoryStore() dropped an unexpired processed record (${key}) at maxEntries=${maxEntries}: a retry of it would run again. ` +
        'Raise memoryStore({ maxEntries }) or use redisStore(...) / upstashStore(...).',
    )
  }

  // One live iterator evicts from the front: every key before it has already been deleted, so it
  // always yields the oldest. A fresh keys().next() per eviction rescans the deleted slots V8
  // leaves at the front of the Map until it compacts, which grows with the map's size.
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
      const victim = next.value as string
      evicted(victim, entries.get(victim)!, now)
      entries.delete(victim)
    }
  }

  return {
    // Answered at once: nothing here waits, and a promise per call would cost a turn per delivery.
    claim(key, token, lockSeconds, nonce): ClaimOutcome {
      const now = Date.now()
      if (nonce) {
        const owner = live(nonce.key, now)
        if (owner && owner.value !== nonce.owner) return { state: 'replayed' }
        if (!owner) set(nonce.key, nonce.owner, nonce.ttlSeconds, now)
      }
      const entry = live(key, now)
      if (!entry) {
        set(key, token, lockSeconds, now)
        return { state: 'claimed' }
      }
      const outcome = claimOutcome(entry.value, token, lockSeconds)
      if (outcome.state !== 'in-flight') return outcome
      return { state: 'in-flight', retryAfterSeconds: Math.max(1, Math.ceil((entry.expiresAt - now) / 1000)) }
    },
    commit(key, token, ttlSeconds) {
      const now = Date.now()
      if (live(key, now)?.value !== token) return false
      set(key, doneValue(token), ttlSeconds, now)
      return true
    },
    release(key, token) {
      if (live(key, Date.now())?.value !== token) return false
      entries.delete(key)
      return true
    },
    useLogger(routerLogger) {
      logger = routerLogger
      if (isProduction() && !warnedInProduction) {
        warnedInProduction = true
        logger.warn(
          '[upload-webhooks] memoryStore() in production: duplicates are only caught within this process and are forgotten on restart. ' +
            'Pass store: redisStore(...) or upstashStore(...).',
        )
      }
    },
  }
}
