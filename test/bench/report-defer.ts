// The defer part's markdown tables: ingress throughput with the ratios ours ÷ recipe and ours ÷
// the recipe with exactly-once, and the
// Redis round trips per delivery and per job with the worker's overhead over a bare processor.
import type { DeferRow } from './defer.js'
import type { DeferRoundTripRow, DeferRoundTripScenario } from './defer-worker.js'
import { fixed, table, VARIANT_LABELS } from './report.js'
import {
  DEFER_RECIPE_RATIO_TARGET,
  mark,
  ratioVerdict,
  WORKER_EXTRA_ROUND_TRIPS_TARGET,
  workerExtraRoundTrips,
  workerOverheadVerdict,
} from './targets.js'

const times = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? '' : `${value.toFixed(2)}×`)

const guaranteeCost = (rows: DeferRow[]) =>
  rows
    .filter((r) => r.guaranteeRatio !== undefined)
    .map((r) => `${r.label} ${times(r.guaranteeRatio)}`)
    .join(', ') || 'not measured'

export function deferIngressTable(rows: DeferRow[]): string {
  const target = DEFER_RECIPE_RATIO_TARGET.toFixed(2)
  return (
    table(
      [
        'framework',
        'ingress',
        'deliveries/s',
        'p50 ms',
        'p99 ms',
        'server CPU µs/delivery',
        'redis-server CPU µs/delivery ¹',
        'ours ÷ recipe, deliveries/s ²',
        'recipe ÷ ours, CPU/delivery ²',
        'target',
        'ours ÷ recipe with exactly-once, deliveries/s ²',
        'that recipe ÷ ours, CPU/delivery ²',
      ],
      rows.map((r) => [
        r.label,
        VARIANT_LABELS[r.variant],
        r.reqPerSec.toFixed(0),
        fixed(r.p50Ms, 2),
        fixed(r.p99Ms, 2),
        r.serverCpuMicrosPerRequest.toFixed(0),
        r.redisCpuMicrosPerRequest.toFixed(0),
        times(r.peerRatio),
        times(r.peerCpuRatio),
        r.peerRatio === undefined
          ? ''
          : `≥ ${target}× deliveries/s ${mark(ratioVerdict(r.peerRatio, DEFER_RECIPE_RATIO_TARGET))}, CPU ${mark(ratioVerdict(r.peerCpuRatio ?? NaN, DEFER_RECIPE_RATIO_TARGET))}`,
        times(r.claimRatio),
        times(r.claimCpuRatio),
      ]),
    ) +
    `\n\nWhat the guarantees cost the recipe, its deliveries/s with exactly-once ÷ without, same round ²: ${guaranteeCost(rows)}.` +
    '\n\nNo worker runs: each run leaves its jobs in the queue, which is counted (at least one job per 2xx answer) and obliterated before the next run.' +
    "\n¹ redis-server's own CPU time (`INFO cpu`) per answered delivery: the queue's and the store's work, which the server process's CPU leaves out." +
    '\n² in the same round: above 1× ours (in the line on what the guarantees cost, the recipe with exactly-once) is ahead.'
  )
}

const SCENARIOS: Record<DeferRoundTripScenario, string> = {
  'ingress-ours': 'ingress, ours: claim, `deferToBullMQ` (queue.add with getJobState beside it), commit — per delivery',
  'ingress-recipe': 'ingress, recipe: Receiver.verify + queue.add — per delivery',
  'ingress-recipe-claim': 'ingress, recipe with exactly-once: Receiver.verify + claim + queue.add + commit — per delivery',
  'worker-bare': 'worker, a bare BullMQ processor running the handler — per job',
  'worker-ours': 'worker, `createWorker().bullmq` running the handler — per job',
}

/** Whole counts as integers; a fraction (a blocking call more in one batch than the other) with enough digits to show it. */
const perItem = (calls: number) => (Number.isInteger(calls) ? String(calls) : Math.abs(calls) < 0.01 ? calls.toFixed(3) : calls.toFixed(2))

const perCommand = (stats: Record<string, number>) =>
  Object.entries(stats)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([command, calls]) => `${command}×${perItem(calls)}`)
    .join(' ') || '(none)'

export function deferRoundTripTable(rows: DeferRoundTripRow[]): string {
  const figures = table(
    ['scenario', 'items', 'round trips each', 'of which the dedupe store (client count)', 'calls inside Lua each', 'commandstats each'],
    rows.map((r) => [
      SCENARIOS[r.scenario],
      String(r.items),
      r.roundTrips.toFixed(2),
      r.storeCommands.toFixed(2),
      r.inScript.toFixed(2),
      perCommand(r.commandstats),
    ]),
  )
  const bare = rows.find((r) => r.scenario === 'worker-bare')
  const ours = rows.find((r) => r.scenario === 'worker-ours')
  if (!bare || !ours) return figures
  const extra = workerExtraRoundTrips(ours, bare)
  const overhead = table(
    ['worker overhead per job', 'round trips', 'target'],
    [
      ['`createWorker().bullmq` − bare processor', (ours.roundTrips - bare.roundTrips).toFixed(2), ''],
      ["of which its store's claim and commit", ours.storeCommands.toFixed(2), ''],
      ['beyond the claim and commit', extra.toFixed(2), `≤ ${WORKER_EXTRA_ROUND_TRIPS_TARGET} ${mark(workerOverheadVerdict(extra))}`],
    ],
  )
  return (
    `${figures}\n\n${overhead}\n\n` +
    'Round trips: the `INFO commandstats` delta less the calls Lua scripts made inside the server (MONITOR), as in part 3. ' +
    "The worker rows are the difference between a run of 2n jobs and one of n, each a worker started on a queue already holding its jobs and closed after the last one completed, so the worker's start-up and close cancel out."
  )
}
