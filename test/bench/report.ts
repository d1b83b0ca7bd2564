// Markdown tables for stdout and the README, with each target next to its figure.

import { CATEGORIES, COMPILER } from './callgrind.js'
import { FRAMEWORKS } from './frameworks.js'
import type { InsideRow } from './inside.js'
import type { InstructionsRow } from './instructions.js'
import type { OtelRow } from './otel.js'
import type { RoundTripRow } from './redis-round-trips.js'
import type { SoakRun } from './soak.js'
import {
  BOUND_OF,
  bareRatioTarget,
  FLOOR_MULTIPLE_TARGET,
  mark,
  OVERHEAD_ABOVE_FLOOR_MICROS,
  overheadVerdict,
  peerRatioTarget,
  ratioVerdict,
  reach,
  roundTripVerdict,
  SOAK_GROWTH_SLACK_MIB,
  SOAK_GROWTH_TOLERANCE,
  verifyVerdict,
} from './targets.js'
import type { ThroughputRow } from './throughput.js'
import { ROW, type VerifyResult } from './verify-cost.js'

/** A cell's own `|` (Redis 7 names subcommands `script|load`) would end the cell: escaped. */
const cell = (text: string) => text.replaceAll('|', '\\|')
export const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n')

export const fixed = (value: number | undefined, digits: number) =>
  value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits)
const micros = (ns: number) => (ns / 1000).toFixed(ns < 10_000 ? 2 : 1)

export const VARIANT_LABELS: Record<ThroughputRow['variant'], string> = {
  bare: '(a) bare route',
  memory: '(b) ours, memory store',
  redis: '(c) ours, Redis (ioredis)',
  receiver: '(d) recipe: Receiver.verify + JSON.parse',
  'receiver-setnx': '(e) recipe: (d) + SET NX EX (ioredis)',
  bound: '(f) lower bound: our contract inline, Map',
  'bound-redis': '(g) lower bound: our contract inline, Redis',
  defer: 'ours: `defer: deferToBullMQ(queue)`, Redis store',
  'receiver-queue': 'recipe: Receiver.verify + queue.add (jobId: message ID)',
  'receiver-claim-queue': 'recipe with exactly-once: Receiver.verify + claim + queue.add + commit',
}

const times = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? '' : `${value.toFixed(2)}×`)
/** A verdict as ours reads it (met, missed) or as a lower bound reads it (reachable, out of reach). */
const verdictMark = (variant: ThroughputRow['variant']) => (variant in BOUND_OF ? reach : mark)
const atLeast = (row: ThroughputRow, value: number | undefined, target: number | undefined) =>
  target === undefined ? '' : `≥ ${target.toFixed(2)}× ${verdictMark(row.variant)(ratioVerdict(value ?? NaN, target))}`

/** `floorMicros`: the verification floor measured in this run, for the overhead target. */
export function throughputTable(rows: ThroughputRow[], floorMicros: number | undefined): string {
  const bareCpu = (row: ThroughputRow) => bareRowOf(rows, row)?.serverCpuMicrosPerRequest ?? NaN
  const floorTarget = floorMicros === undefined ? undefined : floorMicros + OVERHEAD_ABOVE_FLOOR_MICROS
  return (
    table(
      [
        'framework',
        'variant',
        'req/s',
        'p50 ms',
        'p99 ms',
        'ratio to bare',
        'target',
        'server CPU µs/req',
        'bare ÷ this CPU/req ²',
        'overhead over bare, CPU µs/req ³',
        `≤ floor + ${OVERHEAD_ABOVE_FLOOR_MICROS} µs`,
        'this ÷ recipe, req/s ⁴',
        'recipe ÷ this, CPU/req ⁴',
        'target',
      ],
      rows.map((r) => {
        const peerTarget = peerRatioTarget(r.variant)
        const overhead = overheadVerdict(r.variant, r.overheadCpuMicros, floorMicros)
        const shown = verdictMark(r.variant)
        return [
          r.label,
          VARIANT_LABELS[r.variant],
          r.reqPerSec.toFixed(0),
          fixed(r.p50Ms, 2),
          fixed(r.p99Ms, 2),
          r.ratio === undefined ? '1' : `${r.ratio.toFixed(2)}×`,
          atLeast(r, r.ratio, bareRatioTarget(r.variant)),
          r.serverCpuMicrosPerRequest.toFixed(0),
          `${(bareCpu(r) / r.serverCpuMicrosPerRequest).toFixed(2)}×`,
          r.overheadCpuMicros === undefined ? '' : `${r.overheadCpuMicros >= 0 ? '+' : ''}${r.overheadCpuMicros.toFixed(0)}`,
          overhead === 'n/a' ? '' : `≤ ${fixed(floorTarget, 1)} ${shown(overhead)}`,
          times(r.peerRatio),
          times(r.peerCpuRatio),
          peerTarget === undefined
            ? ''
            : `≥ ${peerTarget.toFixed(2)}× req/s ${shown(ratioVerdict(r.peerRatio ?? NaN, peerTarget))}, CPU ${shown(ratioVerdict(r.peerCpuRatio ?? NaN, peerTarget))}`,
        ]
      }),
    ) +
    '\n\n² the ratio a CPU-bound server would reach, from its own CPU time per request: steadier than req/s when other work shares the machine.' +
    `\n³ this variant's server CPU per request minus the bare route's, in the same round; target for the memory store: the verification floor (${
      floorMicros === undefined ? 'not measured' : `${floorMicros.toFixed(1)} µs in this run`
    }) + ${OVERHEAD_ABOVE_FLOOR_MICROS} µs.` +
    '\n⁴ (b) and (f) against (d), (c) and (g) against (e), in the same round: above 1× the variant is ahead.' +
    '\n(f) and (g) are lower bounds, not safe routes: the least a route must do to keep the promises ours keeps for a QStash delivery' +
    ' (either signing key, a constant-time compare, the claims and body hash, the replay nonce, claim and commit), inline' +
    ' (`servers/lower-bound.ts`). Their rows are held to the targets of (b) and (c): where a bound misses one, no implementation' +
    ' of that contract meets it on that framework in this run.'
  )
}

export function verifyTable(result: VerifyResult): string {
  const byName = new Map(result.rows.map((r) => [r.name, r]))
  const ratio = (x: number | undefined) => (x === undefined ? '' : `${x.toFixed(2)}×`)
  return (
    table(
      [
        'verifier',
        'mean µs',
        'p99 µs',
        '× floor (means)',
        '× floor, paired ²',
        `≤ ${FLOOR_MULTIPLE_TARGET}× floor`,
        'vs vendor (means)',
        'vs vendor, paired ²',
        'no slower than vendor',
      ],
      result.rows.map((r) => {
        const vendor = r.vendor ? byName.get(r.vendor) : undefined
        const verdict = verifyVerdict(r, result.floorNs, vendor?.avgNs)
        return [
          `${r.kind === 'ours' ? '**ours** ' : r.kind === 'vendor' ? 'vendor ' : ''}${r.name}${r.parsesJson ? ' ¹' : ''}`,
          micros(r.avgNs),
          micros(r.p99Ns),
          ratio(r.avgNs / result.floorNs),
          ratio(r.floorRatio),
          mark(verdict.floor),
          vendor ? `${ratio(r.avgNs / vendor.avgNs)} ${vendor.name}` : '',
          ratio(r.vendorRatio),
          mark(verdict.vendor),
        ]
      }),
    ) +
    '\n\n¹ includes `JSON.parse` of the body: Stripe and standardwebhooks return the parsed event, so ours is paired with them verify + parse.' +
    '\n² the median of rounds that time ours and the other row back to back, in alternating order: the verdicts use these, since rows' +
    ' measured minutes apart drift with this VM by more than the margins judged. On Node our verifiers answer without a promise, as' +
    ' the floor does, so each is paired with the plain floor.'
  )
}

/** Part 2's hot-loop row for each piece of work part 1b times inside a server. */
const HOT_ROW: Partial<Record<InsideRow['work'], string>> = { floor: ROW.floor, verify: ROW.qstash, receive: ROW.receive }
const INSIDE_LABEL: Record<InsideRow['work'], string> = {
  floor: "the floor's crypto: HMAC-SHA256 of the JWT signing input + SHA-256 of the body ¹",
  verify: '`qstash().verify()`',
  bound: "the lower bound (f): ours' contract written inline, records in a Map",
  receive: '`router.receive()`: all of core, memory store',
}

export function insideTable(rows: InsideRow[], verify: VerifyResult | undefined): string {
  const hot = new Map(verify?.rows.map((r) => [r.name, r.avgNs / 1000]))
  return (
    table(
      ['work, timed per request inside a loaded server', 'µs', 'beyond the floor, µs', 'hot loop (part 2), µs', 'inside ÷ hot'],
      rows.map((r) => {
        const hotRow = HOT_ROW[r.work]
        const hotMicros = hotRow === undefined ? undefined : hot.get(hotRow)
        return [
          INSIDE_LABEL[r.work],
          r.micros.toFixed(1),
          r.beyondFloorMicros === undefined ? '' : r.beyondFloorMicros.toFixed(1),
          hotMicros === undefined ? '' : hotMicros.toFixed(1),
          hotMicros === undefined ? '' : `${(r.micros / hotMicros).toFixed(2)}×`,
        ]
      }),
    ) +
    "\n\n¹ the crypto a QStash delivery cannot skip; part 2's floor HMACs the 1 KiB body instead of the ~350-byte signing input." +
    " One piece of work per request in turn, on that request's delivery, the answer written as the bare route writes it; medians over rounds of each round's mean."
  )
}

export function roundTripTable(rows: RoundTripRow[]): string {
  return (
    table(
      [
        'scenario',
        'round trips',
        'target',
        'commandstats delta',
        'of which inside Lua',
        'commands sent (client count)',
        'EVALSHA → NOSCRIPT → EVAL ¹',
        'answer',
      ],
      rows.map((r) => [
        r.scenario,
        String(r.roundTrips),
        r.target === undefined ? '' : `${r.target} ${mark(roundTripVerdict(r))}`,
        Object.entries(r.commandstats)
          .map(([command, calls]) => `${command}×${calls}`)
          .join(' ') || '(none)',
        String(r.inScript),
        String(r.clientCommands),
        r.scriptCacheMisses ? `${r.scriptCacheMisses} (+${r.scriptCacheMisses} round trip${r.scriptCacheMisses > 1 ? 's' : ''})` : '0',
        r.status === undefined ? '' : String(r.status),
      ]),
    ) +
    "\n\n¹ a script not yet in the server's cache: EVALSHA answers NOSCRIPT and the store sends EVAL, one extra round trip per script, once per Redis server start (informative, not a target)."
  )
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1)

/** One table per store: memory at the start, every tenth of the run, and the verdict. */
export function soakTables(runs: SoakRun[]): string {
  return runs
    .map((run) => {
      const title =
        run.store === 'memory'
          ? `**memory store** (bound ${run.boundReachedBy?.toLocaleString('en-US')} keys, reached by ${run.boundReachedBy?.toLocaleString('en-US')} deliveries at the latest)`
          : '**Redis store** (ioredis)'
      const rate = run.seconds > 0 ? (run.deliveries / run.seconds).toFixed(0) : '—'
      const verdict =
        run.flat === undefined
          ? '— no verdict: the run ended before two checkpoints past the bound (raise --soak-deliveries)'
          : `${run.flat ? '✅ flat' : '❌ growing'}: from ${run.flatFrom?.toLocaleString('en-US')} deliveries to the end, heap after GC ×${run.heapGrowth?.toFixed(2)}, ` +
            `RSS ×${run.rssGrowth?.toFixed(2)} (flat: ≤ +${(SOAK_GROWTH_TOLERANCE * 100).toFixed(0)} % or ≤ +${SOAK_GROWTH_SLACK_MIB} MiB)`
      return [
        `${title}: ${run.deliveries.toLocaleString('en-US')} deliveries in ${run.seconds.toFixed(1)} s (${rate} /s; CPU per delivery: ` +
          `server ${run.serverCpuMicrosPerDelivery.toFixed(0)} µs, load generator ${run.generatorCpuMicrosPerDelivery.toFixed(0)} µs)`,
        table(
          ['deliveries', 'seconds', 'RSS MiB', 'heap used after GC MiB', 'heap total MiB', 'external MiB'],
          run.checkpoints.map((c) => [
            c.deliveries.toLocaleString('en-US'),
            c.seconds.toFixed(1),
            mib(c.rss),
            mib(c.heapUsed),
            mib(c.heapTotal),
            mib(c.external),
          ]),
        ),
        verdict,
      ].join('\n\n')
    })
    .join('\n\n')
}

const OTEL_LABELS: Record<OtelRow['mode'], string> = {
  absent: '`@opentelemetry/api` not installed',
  api: 'API installed, no provider registered',
  provider: 'tracer + meter providers, no-op exporter',
}

export function otelTable(rows: OtelRow[]): string {
  const figures = table(
    ['OpenTelemetry', 'req/s', 'server CPU µs/req', 'CPU µs/req over "not installed"', 'spans exported'],
    rows.map((r) => [
      OTEL_LABELS[r.mode],
      r.reqPerSec.toFixed(0),
      r.serverCpuMicrosPerRequest.toFixed(0),
      r.cpuMicrosOverAbsent === undefined ? '' : `${r.cpuMicrosOverAbsent >= 0 ? '+' : ''}${r.cpuMicrosOverAbsent.toFixed(0)}`,
      String(r.spansExported),
    ]),
  )
  return `${figures}\n\nExpress 5, our middleware with the memory store; informative, not a target.`
}

/** The bare route's row of the same framework as `row`, in a part's rows. */
function bareRowOf<R extends { framework: string; variant: string }>(rows: readonly R[], row: R): R | undefined {
  return rows.find((r) => r.framework === row.framework && r.variant === 'bare')
}

/** Thousands of instructions per request, by what they were for; "beyond bare" against the same framework's bare route. */
export function instructionsTable(rows: InstructionsRow[]): string {
  const thousands = (n: number) => (n / 1000).toFixed(1)
  const counted = CATEGORIES.filter((c) => c !== COMPILER)
  return (
    table(
      ['framework', 'variant', 'k instructions / request ¹', 'beyond bare', ...counted, `${COMPILER} ¹`],
      rows.map((row) => {
        const base = bareRowOf(rows, row)
        return [
          FRAMEWORKS[row.framework].label,
          VARIANT_LABELS[row.variant],
          thousands(row.perRequest),
          base && base !== row ? `+${thousands(row.perRequest - base.perRequest)}` : '',
          ...counted.map((c) => thousands(row.byCategory[c])),
          thousands(row.compilerPerRequest),
        ]
      }),
    ) +
    '\n\nAll threads of the server process under valgrind (callgrind), per request, after the warm-up; the categories are self instructions, so they add up to the total. ' +
    'No kernel time is in them, and every instruction weighs alike.\n' +
    "¹ the optimising compiler is left out of the total: at full speed it settles after ~10 s of load, which no warm-up under valgrind's slowdown reaches."
  )
}
