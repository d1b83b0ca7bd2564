// The targets, shown next to the figures (never a failing test: numbers on a shared
// 2-core machine vary, and the smoke run must only fail when the harness breaks).
import type { RoundTripRow } from './redis-round-trips.js'
import type { VerifyRow } from './verify-cost.js'

/** Memory-store middleware keeps at least this share of the bare route's req/s. */
export const MEMORY_RATIO_TARGET = 0.9
/** Redis-store middleware keeps at least this share of the bare route's req/s. */
export const REDIS_RATIO_TARGET = 0.75
/** Memory-store middleware answers at least this many times the Receiver.verify recipe's req/s (and CPU per request). */
export const PEER_MEMORY_RATIO_TARGET = 1.5
/** Redis-store middleware answers at least this many times the Receiver.verify + SET NX recipe's req/s (and CPU per request). */
export const PEER_REDIS_RATIO_TARGET = 1.2
/** Memory-store middleware adds at most the verification floor plus this many µs of server CPU per request over the bare route. */
export const OVERHEAD_ABOVE_FLOOR_MICROS = 10
/** Soak: memory is flat when heap after GC and RSS grow at most this share past the memory store's bound (Redis: past the first tenth)… */
export const SOAK_GROWTH_TOLERANCE = 0.1
/** …or at most this many MiB, the noise of GC on a small heap. */
export const SOAK_GROWTH_SLACK_MIB = 4
/** Ours with `defer: deferToBullMQ(queue)` answers at least this many times the `Receiver.verify` + `queue.add` recipe's deliveries/s. */
export const DEFER_RECIPE_RATIO_TARGET = 1
/** `createWorker().bullmq` sends at most this many Redis round trips per job beyond a bare processor's and its own claim and commit. */
export const WORKER_EXTRA_ROUND_TRIPS_TARGET = 1
/** One of our verifiers costs at most this many times the node:crypto floor. */
export const FLOOR_MULTIPLE_TARGET = 1.5

export type Verdict = 'met' | 'missed' | 'n/a'

export const mark = (verdict: Verdict): string => (verdict === 'met' ? '✅ met' : verdict === 'missed' ? '❌ missed' : '—')

/**
 * The lower bounds (f) and (g), and the variant of ours whose targets each one is held to: a
 * target the bound misses in a round is out of reach there for any implementation.
 */
export const BOUND_OF: Readonly<Record<string, 'memory' | 'redis'>> = { bound: 'memory', 'bound-redis': 'redis' }

/** How a verdict reads on a lower bound's row: whether the target can be met at all. */
export const reach = (verdict: Verdict): string => (verdict === 'met' ? '✅ reachable' : verdict === 'missed' ? '❌ out of reach' : '—')

/** The variant whose targets apply: ours for ours, and for a lower bound the variant it bounds. */
const heldTo = (variant: string) => BOUND_OF[variant] ?? variant

export function ratioVerdict(ratio: number, target: number): Verdict {
  return Number.isFinite(ratio) ? (ratio >= target ? 'met' : 'missed') : 'n/a'
}

/**
 * Ours: ≤ 1.5× the floor and no slower than the vendor row it is paired with, judged on the
 * paired ratios (both timed back to back) when the run has them, else on the means.
 */
export function verifyVerdict(row: VerifyRow, floorNs: number, vendorNs: number | undefined): { floor: Verdict; vendor: Verdict } {
  if (row.kind !== 'ours') return { floor: 'n/a', vendor: 'n/a' }
  // JSON.parse is not crypto: the floor is compared with the verify-only rows.
  const floorRatio = row.floorRatio ?? row.avgNs / floorNs
  const floor: Verdict = row.parsesJson ? 'n/a' : floorRatio <= FLOOR_MULTIPLE_TARGET ? 'met' : 'missed'
  const vendorRatio = row.vendorRatio ?? (vendorNs === undefined ? undefined : row.avgNs / vendorNs)
  const vendor: Verdict = vendorRatio === undefined ? 'n/a' : vendorRatio <= 1 ? 'met' : 'missed'
  return { floor, vendor }
}

/** The bare-route ratio target of ours or of a lower bound; undefined for the bare route and the recipes. */
export const bareRatioTarget = (variant: string): number | undefined =>
  heldTo(variant) === 'memory' ? MEMORY_RATIO_TARGET : heldTo(variant) === 'redis' ? REDIS_RATIO_TARGET : undefined

/** The peer-ratio target of ours or of a lower bound; undefined for the others. */
export const peerRatioTarget = (variant: string): number | undefined =>
  heldTo(variant) === 'memory' ? PEER_MEMORY_RATIO_TARGET : heldTo(variant) === 'redis' ? PEER_REDIS_RATIO_TARGET : undefined

/** Memory store only (issue 15 item 2): overhead over the bare route ≤ floor + 10 µs of server CPU. */
export function overheadVerdict(variant: string, overheadMicros: number | undefined, floorMicros: number | undefined): Verdict {
  if (heldTo(variant) !== 'memory' || overheadMicros === undefined || floorMicros === undefined) return 'n/a'
  return overheadMicros <= floorMicros + OVERHEAD_ABOVE_FLOOR_MICROS ? 'met' : 'missed'
}

export function roundTripVerdict(row: RoundTripRow): Verdict {
  return row.target === undefined ? 'n/a' : row.roundTrips === row.target ? 'met' : 'missed'
}

/** The worker's round trips per job beyond a bare BullMQ processor's and beyond its store's (claim, commit). */
export function workerExtraRoundTrips(ours: { roundTrips: number; storeCommands: number }, bare: { roundTrips: number }): number {
  return ours.roundTrips - bare.roundTrips - ours.storeCommands
}

export function workerOverheadVerdict(extra: number): Verdict {
  return Number.isFinite(extra) ? (extra <= WORKER_EXTRA_ROUND_TRIPS_TARGET + 1e-9 ? 'met' : 'missed') : 'n/a'
}
