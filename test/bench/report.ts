// Markdown tables for stdout and the README, with each target next to its figure.
import type { RoundTripRow } from './redis-round-trips.js'
import {
  FLOOR_MULTIPLE_TARGET,
  MEMORY_RATIO_TARGET,
  mark,
  REDIS_RATIO_TARGET,
  ratioVerdict,
  roundTripVerdict,
  verifyVerdict,
} from './targets.js'
import type { ThroughputRow } from './throughput.js'
import type { VerifyResult } from './verify-cost.js'

const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')

const fixed = (value: number | undefined, digits: number) => (value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits))
const micros = (ns: number) => (ns / 1000).toFixed(ns < 10_000 ? 2 : 1)

export function throughputTable(rows: ThroughputRow[]): string {
  const bareCpu = (row: ThroughputRow) =>
    rows.find((r) => r.framework === row.framework && r.variant === 'bare')?.serverCpuMicrosPerRequest ?? NaN
  return (
    table(
      ['framework', 'variant', 'req/s', 'p50 ms', 'p99 ms', 'ratio to bare', 'target', 'server CPU µs/req', 'bare ÷ this CPU/req ²'],
      rows.map((r) => {
        const target = r.variant === 'memory' ? MEMORY_RATIO_TARGET : r.variant === 'redis' ? REDIS_RATIO_TARGET : undefined
        const variant =
          r.variant === 'bare'
            ? '(a) bare route'
            : r.variant === 'memory'
              ? '(b) middleware, memory store'
              : '(c) middleware, Redis (ioredis)'
        return [
          r.label,
          variant,
          r.reqPerSec.toFixed(0),
          fixed(r.p50Ms, 2),
          fixed(r.p99Ms, 2),
          r.ratio === undefined ? '1' : `${r.ratio.toFixed(2)}×`,
          target === undefined ? '' : `≥ ${target.toFixed(2)}× ${mark(ratioVerdict(r.ratio ?? NaN, target))}`,
          r.serverCpuMicrosPerRequest.toFixed(0),
          `${(bareCpu(r) / r.serverCpuMicrosPerRequest).toFixed(2)}×`,
        ]
      }),
    ) +
    '\n\n² the ratio a CPU-bound server would reach, from its own CPU time per request: steadier than req/s when other work shares the machine.'
  )
}

export function verifyTable(result: VerifyResult): string {
  const byName = new Map(result.rows.map((r) => [r.name, r]))
  return (
    table(
      ['verifier', 'mean µs', 'p99 µs', '× floor', `≤ ${FLOOR_MULTIPLE_TARGET}× floor`, 'vs vendor', 'no slower than vendor'],
      result.rows.map((r) => {
        const vendor = r.vendor ? byName.get(r.vendor) : undefined
        const verdict = verifyVerdict(r, result.floorNs, vendor?.avgNs)
        return [
          `${r.kind === 'ours' ? '**ours** ' : r.kind === 'vendor' ? 'vendor ' : ''}${r.name}${r.parsesJson ? ' ¹' : ''}`,
          micros(r.avgNs),
          micros(r.p99Ns),
          `${(r.avgNs / result.floorNs).toFixed(2)}×`,
          mark(verdict.floor),
          vendor ? `${(r.avgNs / vendor.avgNs).toFixed(2)}× ${vendor.name}` : '',
          mark(verdict.vendor),
        ]
      }),
    ) +
    '\n\n¹ includes `JSON.parse` of the body: Stripe and standardwebhooks return the parsed event, so ours is paired with them verify + parse.'
  )
}

export function roundTripTable(rows: RoundTripRow[]): string {
  return table(
    ['scenario', 'round trips', 'target', 'commandstats delta', 'of which inside Lua', 'commands sent (client count)', 'answer'],
    rows.map((r) => [
      r.scenario,
      String(r.roundTrips),
      r.target === undefined ? '' : `${r.target} ${mark(roundTripVerdict(r))}`,
      Object.entries(r.commandstats)
        .map(([command, calls]) => `${command}×${calls}`)
        .join(' ') || '(none)',
      String(r.inScript),
      String(r.clientCommands),
      String(r.status),
    ]),
  )
}
