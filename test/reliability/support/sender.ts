// Sender simulator: delivers every event several times, concurrently and out of order, to
// whichever server processes are up, retrying 409 / 5xx / connection errors on a compressed
// QStash-like backoff until each copy is answered 2xx (or its attempts run out).
import { type EventSpec, signAttempt } from './events.js'

export interface StormOptions {
  events: readonly EventSpec[]
  /** Server URLs to spread deliveries over (like a load balancer). */
  targets: readonly string[]
  /** Copies of each event: a uniform whole number in [min, max]. Default: 3–5. */
  copies?: { min: number; max: number }
  /** HTTP requests in flight at once. Default: 48. */
  concurrency?: number
  /** Attempts per copy before it counts as undelivered. Default: 40. */
  maxAttempts?: number
  /** Deterministic randomness (order, copies, targets). Default: Math.random. */
  random?: () => number
  /** Called after each answer (for scenarios that act mid-run, e.g. restart Redis after N). */
  onAnswer?: (status: number | 'network', requestsSoFar: number) => void
}

export interface StormResult {
  events: number
  /** Copies sent (each retried until 2xx): what the sender considers deliveries. */
  deliveries: number
  /** HTTP requests made, retries included. */
  requests: number
  /** Count per answer: '200', '409', '503', 'network', ... */
  statuses: Record<string, number>
  /** Per HTTP request, milliseconds. */
  latencies: number[]
  /** Copies that never got a 2xx, with the last answer. */
  undelivered: { fileId: string; last: string }[]
  /** 409 and 503 answers without a `Retry-After` header (docs/architecture.md, "Answers", requires one). */
  missingRetryAfter: number
  wallMs: number
}

/**
 * QStash retries after `e^(2.5 n)` seconds (12 s, 148 s, ...); compressed here to
 * 20 ms · 2.5^n capped at 800 ms, with jitter so retries of overlapping copies spread out.
 */
export function compressedBackoffMs(retry: number, random: () => number): number {
  return Math.min(800, 20 * 2.5 ** retry) * (0.5 + random())
}

/** Deterministic PRNG (mulberry32) so a failing storm can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

class Semaphore {
  #free: number
  #waiting: (() => void)[] = []
  constructor(size: number) {
    this.#free = size
  }
  async acquire() {
    if (this.#free > 0) {
      this.#free--
      return
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve))
  }
  release() {
    const next = this.#waiting.shift()
    if (next) next()
    else this.#free++
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function storm(options: StormOptions): Promise<StormResult> {
  const random = options.random ?? Math.random
  const { min, max } = options.copies ?? { min: 3, max: 5 }
  const maxAttempts = options.maxAttempts ?? 40
  const gate = new Semaphore(options.concurrency ?? 48)
  const statuses: Record<string, number> = {}
  const latencies: number[] = []
  const undelivered: StormResult['undelivered'] = []
  // A target that refused a connection is skipped for a moment, as a load balancer's health check would.
  const downUntil = new Map<string, number>()
  let requests = 0
  let missingRetryAfter = 0

  // Out of order: each copy gets a sort key near its event's random slot; about half the extra
  // copies land right next to the first (concurrent duplicates → 409), the rest anywhere later.
  const copies: { event: EventSpec; order: number }[] = []
  for (const event of options.events) {
    const slot = random()
    const count = min + Math.floor(random() * (max - min + 1))
    for (let c = 0; c < count; c++) {
      const order = c === 0 ? slot : random() < 0.5 ? slot + random() * 0.0005 : slot + random() * 0.5
      copies.push({ event, order })
    }
  }
  copies.sort((a, b) => a.order - b.order)

  function pickTarget(): string {
    const now = Date.now()
    const up = options.targets.filter((t) => (downUntil.get(t) ?? 0) <= now)
    const pool = up.length > 0 ? up : options.targets
    return pool[Math.floor(random() * pool.length)]!
  }

  async function deliver(event: EventSpec): Promise<void> {
    let last = 'none'
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (attempt > 0) await sleep(compressedBackoffMs(attempt - 1, random))
      const target = pickTarget()
      const headers = await signAttempt(event)
      await gate.acquire()
      const started = performance.now()
      let status: number | 'network'
      try {
        const response = await fetch(target, { method: 'POST', headers, body: event.body, signal: AbortSignal.timeout(15_000) })
        await response.arrayBuffer()
        status = response.status
        // docs/architecture.md, "Answers": 409 and 503 tell the sender when to come back.
        if ((status === 409 || status === 503) && !response.headers.get('retry-after')) missingRetryAfter++
      } catch {
        status = 'network'
        downUntil.set(target, Date.now() + 500)
      } finally {
        gate.release()
      }
      latencies.push(performance.now() - started)
      requests++
      last = String(status)
      statuses[last] = (statuses[last] ?? 0) + 1
      options.onAnswer?.(status, requests)
      if (typeof status === 'number' && status >= 200 && status < 300) return
      // QStash retries any failure except its non-retryable 489; a 4xx here is a bug worth seeing, not retrying.
      if (typeof status === 'number' && status < 500 && status !== 409) break
    }
    undelivered.push({ fileId: event.fileId, last })
  }

  const started = performance.now()
  await Promise.all(copies.map(({ event }) => deliver(event)))
  return {
    events: options.events.length,
    deliveries: copies.length,
    requests,
    statuses,
    latencies,
    undelivered,
    missingRetryAfter,
    wallMs: performance.now() - started,
  }
}
