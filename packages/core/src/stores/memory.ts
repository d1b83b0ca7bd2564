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

/**
 * A key's record: a claim token, or the key of the delivery a nonce came with. A commit marks the
 * claim done and keeps its token, so a commit allocates nothing: the done marker
 * (`done:<fingerprint>`) is spelled out only when a retry finds the record. `until` is the expiry in
 * milliseconds from the store's making, so it stays a small integer V8 keeps in the record itself,
 * not a number boxed on the heap beside it; a processed record holds it negated, so being done
 * takes no field of its own.
 */
class Entry {
  constructor(
    readonly value: string,
    private until: number,
  ) {}
  get done(): boolean {
    return this.until < 0
  }
  get expiresAt(): number {
    return Math.abs(this.until)
  }
  /** Processed: kept, with its token, until `expiresAt`. */
  markDone(expiresAt: number) {
    this.until = -expiresAt
  }
}

/**
 * In-process dedupe store for development, tests and single-instance apps. Deliveries
 * are deduplicated only within this process, and forgotten on restart: use `redisStore`
 * or `upstashStore` when more than one instance receives webhooks.
 */
export function memoryStore(options: MemoryStoreOptions = {}): DedupeStore {
  const maxEntries = numberOption('memoryStore()', 'maxEntries', options.maxEntries, 100_000, { min: 1, max: 10_000_000, integer: true })
  const entries = new Map<string, Entry>()
  const madeAt = Date.now()
  // Never below zero, even when the wall clock is set back: a negative expiry would read as done.
  const clock = () => Math.max(0, Date.now() - madeAt)
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

  /** Warns, once, when the oldest key goes while its processed record still holds. */
  function evicting(key: string, now: number) {
    if (warnedEviction) return // the common case once the store is full: no lookup of a record about to go
    const entry = entries.get(key)!
    if (entry.expiresAt <= now || !entry.done) return
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
  const expiry = (seconds: number, now: number) => now + seconds * 1000
  /** Adds a key `live()` just found absent, so it goes last in the Map's order without a delete first. */
  function insert(key: string, entry: Entry, now: number) {
    entries.set(key, entry)
    while (entries.size > maxEntries) {
      let next = oldest?.next()
      if (!next || next.done) {
        oldest = entries.keys()
        next = oldest.next()
      }
      const victim = next.value as string
      evicting(victim, now)
      entries.delete(victim)
    }
  }

  return {
    // Answered at once: nothing here waits, and a promise per call would cost a turn per delivery.
    claim(key, token, lockSeconds, nonce): ClaimOutcome {
      const now = clock()
      if (nonce) {
        // The nonce's record holds the delivery's key, which the store keeps anyway, not a copy of
        // `nonce.owner`: the router builds the key from that ID, so under one nonce they tell alike.
        const owner = live(nonce.key, now)
        if (owner && owner.value !== key) return { state: 'replayed' }
        if (!owner) insert(nonce.key, new Entry(key, expiry(nonce.ttlSeconds, now)), now)
      }
      const entry = live(key, now)
      if (!entry) {
        insert(key, new Entry(token, expiry(lockSeconds, now)), now)
        return { state: 'claimed' }
      }
      const outcome = claimOutcome(entry.done ? doneValue(entry.value) : entry.value, token, lockSeconds)
      if (outcome.state !== 'in-flight') return outcome
      return { state: 'in-flight', retryAfterSeconds: Math.max(1, Math.ceil((entry.expiresAt - now) / 1000)) }
    },
    commit(key, token, ttlSeconds) {
      const now = clock()
      const entry = live(key, now)
      if (entry?.value !== token || entry.done) return false
      entry.markDone(expiry(ttlSeconds, now))
      entries.delete(key) // re-inserted: eviction goes by last write, so a processed record outlives older claims
      insert(key, entry, now)
      return true
    },
    release(key, token) {
      const entry = live(key, clock())
      if (entry?.value !== token || entry.done) return false
      entries.delete(key)
      return true
    },
    forget: (key) => live(key, clock()) !== undefined && entries.delete(key),
    useLogger(routerLogger, router) {
      logger = routerLogger
      if ((router?.production ?? isProduction()) && !warnedInProduction) {
        warnedInProduction = true
        logger.warn(
          '[upload-webhooks] memoryStore() in production: duplicates are only caught within this process and are forgotten on restart. ' +
            'Pass store: redisStore(...) or upstashStore(...).',
        )
      }
    },
  }
}
