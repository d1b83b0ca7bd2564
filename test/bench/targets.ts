// The targets, shown next to the figures (never a failing test: numbers on a shared
// 2-core machine vary, and the smoke run must only fail when the harness breaks).
import type { RoundTripRow } from './redis-round-trips.js'
import type { VerifyRow } from './verify-cost.js'

/** Memory-store middleware keeps at least this share of the bare route's req/s. */
export const MEMORY_RATIO_TARGET = 0.9
/** Redis-store middleware keeps at least this share of the bare route's req/s. */
export const REDIS_RATIO_TARGET = 0.75
/** One of our verifiers costs at most this many times the node:crypto floor. */
export const FLOOR_MULTIPLE_TARGET = 1.5

export type Verdict = 'met' | 'missed' | 'n/a'

export const mark = (verdict: Verdict): string => (verdict === 'met' ? '✅ met' : verdict === 'missed' ? '❌ missed' : '—')

export function ratioVerdict(ratio: number, target: number): Verdict {
  return Number.isFinite(ratio) ? (ratio >= target ? 'met' : 'missed') : 'n/a'
}

/** Ours: ≤ 1.5× the floor and no slower than the vendor row it is paired with. */
export function verifyVerdict(row: VerifyRow, floorNs: number, vendorNs: number | undefined): { floor: Verdict; vendor: Verdict } {
  if (row.kind !== 'ours') return { floor: 'n/a', vendor: 'n/a' }
  // JSON.parse is not crypto: the floor is compared with the verify-only rows.
  const floor: Verdict = row.parsesJson ? 'n/a' : row.avgNs <= FLOOR_MULTIPLE_TARGET * floorNs ? 'met' : 'missed'
  const vendor: Verdict = vendorNs === undefined ? 'n/a' : row.avgNs <= vendorNs ? 'met' : 'missed'
  return { floor, vendor }
}

export function roundTripVerdict(row: RoundTripRow): Verdict {
  return row.target === undefined ? 'n/a' : row.roundTrips === row.target ? 'met' : 'missed'
}
