// `pnpm bench`: middleware overhead, verification cost and Redis round trips, side by side.
// Prints markdown tables and writes the figures as JSON under test/bench/results/.
// `pnpm bench --smoke` (or BENCH_SMOKE=1) runs every part for a moment: it exits non-zero when
// the harness breaks (a delivery rejected, a server that will not start), never on the figures.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { parseArgs } from 'node:util'
import { findRedisServer, startRedis } from '../support/redis-server.js'
import { type DeferRow, measureDeferIngress } from './defer.js'
import { type DeferRoundTripRow, measureDeferRoundTrips } from './defer-worker.js'
import { FRAMEWORKS, type Framework, isFramework } from './frameworks.js'
import { type InsideRow, measureInside } from './inside.js'
import { hasValgrind, type InstructionsRow, measureInstructions } from './instructions.js'
import { measureOtel, type OtelRow } from './otel.js'
import { resultsDir } from './paths.js'
import { measureRoundTrips, type RoundTripRow } from './redis-round-trips.js'
import { insideTable, instructionsTable, otelTable, roundTripTable, soakTables, throughputTable, verifyTable } from './report.js'
import { deferIngressTable, deferRoundTripTable } from './report-defer.js'
import { measureSoak, SOAK_STORES, type SoakRun, type SoakStore } from './soak.js'
import {
  BOUND_OF,
  bareRatioTarget,
  DEFER_RECIPE_RATIO_TARGET,
  FLOOR_MULTIPLE_TARGET,
  MEMORY_RATIO_TARGET,
  OVERHEAD_ABOVE_FLOOR_MICROS,
  overheadVerdict,
  PEER_MEMORY_RATIO_TARGET,
  PEER_REDIS_RATIO_TARGET,
  peerRatioTarget,
  REDIS_RATIO_TARGET,
  ratioVerdict,
  roundTripVerdict,
  SOAK_GROWTH_SLACK_MIB,
  SOAK_GROWTH_TOLERANCE,
  verifyVerdict,
  WORKER_EXTRA_ROUND_TRIPS_TARGET,
  workerExtraRoundTrips,
  workerOverheadVerdict,
} from './targets.js'
import { measureThroughput, type ThroughputOptions, type ThroughputRow } from './throughput.js'
import { measureFloor, measureVerifyCost, type VerifyResult } from './verify-cost.js'

const PARTS = ['verify', 'redis', 'throughput', 'inside', 'soak', 'otel', 'instructions', 'defer'] as const
type Part = (typeof PARTS)[number]
/**
 * What `pnpm bench` runs without --only: the soak takes minutes of its own, OpenTelemetry is
 * informative, the instruction counts need valgrind (not in --smoke, which CI runs), and the
 * defer part measures an option, not the default path.
 */
const DEFAULT_PARTS: readonly Part[] = ['verify', 'redis', 'throughput', 'inside']
/** The frameworks the defer part measures (of --frameworks). */
const DEFER_FRAMEWORKS: readonly Framework[] = ['express', 'h3v1', 'h3v2']
/** Deliveries per ingress row of the defer part's round trips; its worker rows run this many jobs and twice as many. */
const DEFER_ROUND_TRIP_ITEMS = { full: 500, smoke: 5 }
/** The smoke run's soak: enough deliveries to cross its lowered memory-store bound. */
const SMOKE_SOAK = { deliveries: 1000, maxEntries: 200 }

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: process.env.BENCH_SMOKE === '1' },
    only: { type: 'string' },
    frameworks: { type: 'string' },
    duration: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '20' },
    processes: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    'verify-ms': { type: 'string', default: '642' },
    'soak-deliveries': { type: 'string', default: '1000000' },
    'soak-stores': { type: 'string' },
    'instructions-requests': { type: 'string', default: '2000' },
    'instructions-warmup': { type: 'string', default: '4000' },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
})

if (args.help) {
  console.log(`pnpm bench [--smoke] [--only ${PARTS.join(',')}] [--frameworks ${Object.keys(FRAMEWORKS).join(',')}]
           [--duration 1] [--rounds 20] [--processes 1] [--warmup 3] [--connections 10] [--verify-ms 642] [--profile]
           [--soak-deliveries 1000000] [--soak-stores ${SOAK_STORES.join(',')}] [--instructions-warmup 4000] [--instructions-requests 2000]
  --only       parts to run (default ${DEFAULT_PARTS.join(',')}; soak, otel and defer run when named, and in --smoke)
  --smoke      every part for a moment (CI): fails only when the harness breaks
  --duration   measured seconds per throughput run       --rounds  rounds of every variant
  --warmup     unmeasured seconds per server, once        --connections  autocannon connections
  --processes  server processes per throughput variant, each measured every round (the median of theirs counts)
  --verify-ms  CPU time sampled per verifier and pass (2 passes, the faster one kept)
  --profile    CPU-profile each measured run of every server (profiles land in test/bench/results/profiles/)
  --soak-deliveries  deliveries through the soak's server, per store   --soak-stores  which stores the soak runs
  --instructions-*   deliveries before and during the count, per server (the instructions part needs valgrind)`)
  process.exit(0)
}

const list = <T extends string>(value: string | undefined, all: readonly T[], valid: (v: string) => v is T, what: string): T[] => {
  if (!value) return [...all]
  const picked = value.split(',').map((v) => v.trim())
  const bad = picked.filter((v) => !valid(v))
  if (bad.length) throw new Error(`bench: unknown ${what} ${bad.join(', ')}; choose from ${all.join(', ')}`)
  return picked as T[]
}
const number = (name: string, value: string) => {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new Error(`bench: --${name} must be a non-negative number, got ${value}`)
  return n
}

const smoke = args.smoke
const parts = list(
  args.only,
  smoke ? PARTS.filter((p) => p !== 'instructions') : DEFAULT_PARTS,
  (v): v is Part => (PARTS as readonly string[]).includes(v),
  'part',
)
const soakStores = list(
  args['soak-stores'],
  SOAK_STORES,
  (v): v is SoakStore => (SOAK_STORES as readonly string[]).includes(v),
  'soak store',
)
const frameworks = list(args.frameworks, Object.keys(FRAMEWORKS) as Framework[], isFramework, 'framework')
const processes = Math.max(1, Math.round(number('processes', args.processes)))
const t0 = performance.now()
const log = (line: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}\n`)

const redisBinary = findRedisServer()
if (!redisBinary && ['redis', 'throughput', 'soak', 'defer'].some((part) => parts.includes(part as Part))) {
  throw new Error(
    'bench: redis-server is not installed (apt-get install redis-server); it is needed for the Redis round trips and the Redis variants',
  )
}

const gitCommit = (() => {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== ''
    return dirty ? `${head} (with uncommitted changes)` : head
  } catch {
    return 'unknown'
  }
})()

const started = new Date()
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  loadAverageAtEnd: [] as number[],
}
const problems: string[] = []
let verify: VerifyResult | undefined
let roundTrips: RoundTripRow[] | undefined
let throughput: ThroughputRow[] | undefined
let floorMicros: number | undefined
let soak: SoakRun[] | undefined
let otel: OtelRow[] | undefined
let inside: InsideRow[] | undefined
let instructions: InstructionsRow[] | undefined
let deferIngress: DeferRow[] | undefined
let deferRoundTrips: DeferRoundTripRow[] | undefined

log(
  `bench${smoke ? ' (smoke: figures are not meaningful)' : ''}: ${parts.join(', ')} on ${machine.cores} × ${machine.cpu}, load ${machine.loadAverageAtStart.join(' ')}`,
)

if (parts.includes('verify')) {
  log('verification cost…')
  verify = await measureVerifyCost({ minCpuMs: number('verify-ms', args['verify-ms']), smoke })
  floorMicros = verify.floorNs / 1000
}

if (parts.includes('redis')) {
  log('Redis round trips…')
  roundTrips = await measureRoundTrips(redisBinary!)
  for (const row of roundTrips) {
    if (row.roundTrips !== row.clientCommands) {
      problems.push(
        `round trips "${row.scenario}": commandstats says ${row.roundTrips}, the client sent ${row.clientCommands}: the counting is off`,
      )
    }
  }
}

if (parts.includes('throughput')) {
  log('throughput…')
  const redis = await startRedis(redisBinary!)
  try {
    const profileDir = args.profile ? `${resultsDir}profiles` : undefined
    if (profileDir) mkdirSync(profileDir, { recursive: true })
    const options: ThroughputOptions = smoke
      ? {
          frameworks,
          rounds: 1,
          durationSec: 0.15,
          warmupSec: 0,
          connections: 4,
          processes: 'per-framework',
          redisUrl: redis.url,
          ...(profileDir ? { profileDir } : {}),
        }
      : {
          frameworks,
          rounds: Math.max(1, Math.round(number('rounds', args.rounds))),
          durationSec: number('duration', args.duration),
          warmupSec: number('warmup', args.warmup),
          connections: Math.max(1, Math.round(number('connections', args.connections))),
          processes,
          redisUrl: redis.url,
          ...(profileDir ? { profileDir } : {}),
        }
    const measured = await measureThroughput(options, log)
    throughput = measured.rows
    problems.push(...measured.problems)
  } finally {
    await redis.stop()
  }
  // The overhead target is the floor + 10 µs: measure the floor when the verify part did not.
  floorMicros ??= (await measureFloor({ minCpuMs: number('verify-ms', args['verify-ms']) / 2, smoke })) / 1000
}

/** Rounds and load for a part that runs one set of servers under autocannon; in --smoke, a moment of each. */
function loadOptions(smokeSeconds: number) {
  if (smoke) return { rounds: 1, durationSec: smokeSeconds, warmupSec: 0, connections: 4 }
  return {
    rounds: Math.max(1, Math.round(number('rounds', args.rounds))),
    durationSec: number('duration', args.duration),
    warmupSec: number('warmup', args.warmup),
    connections: Math.max(1, Math.round(number('connections', args.connections))),
  }
}

if (parts.includes('inside')) {
  log('inside a server…')
  const measured = await measureInside(loadOptions(0.3), log)
  inside = measured.rows
  problems.push(...measured.problems)
}

if (parts.includes('soak')) {
  log('soak…')
  const redis = await startRedis(redisBinary!)
  try {
    const measured = await measureSoak(
      {
        deliveries: smoke ? SMOKE_SOAK.deliveries : Math.max(10, Math.round(number('soak-deliveries', args['soak-deliveries']))),
        stores: soakStores,
        connections: Math.max(1, Math.round(number('connections', args.connections))),
        redisUrl: redis.url,
        ...(smoke ? { maxEntries: SMOKE_SOAK.maxEntries } : {}),
      },
      log,
    )
    soak = measured.runs
    problems.push(...measured.problems)
  } finally {
    await redis.stop()
  }
}

if (parts.includes('otel')) {
  log('OpenTelemetry…')
  const measured = await measureOtel(loadOptions(0.15), log)
  otel = measured.rows
  problems.push(...measured.problems)
}

if (parts.includes('instructions')) {
  if (!hasValgrind()) throw new Error('bench: the instructions part runs the servers under valgrind: apt-get install valgrind')
  log('instructions per request, under callgrind…')
  instructions = await measureInstructions(
    {
      frameworks,
      variants: ['bare', 'memory', 'bound'],
      warmupRequests: Math.round(number('instructions-warmup', args['instructions-warmup'])),
      requests: Math.max(1, Math.round(number('instructions-requests', args['instructions-requests']))),
      connections: Math.max(1, Math.round(number('connections', args.connections))),
      redisUrl: undefined,
    },
    log,
  )
}

if (parts.includes('defer')) {
  log('answer fast, process later: ingress throughput…')
  const redis = await startRedis(redisBinary!)
  try {
    const measured = await measureDeferIngress(
      {
        ...loadOptions(0.15),
        frameworks: frameworks.filter((f) => DEFER_FRAMEWORKS.includes(f)),
        redisUrl: redis.url,
        perFramework: smoke,
      },
      log,
    )
    deferIngress = measured.rows
    problems.push(...measured.problems)
  } finally {
    await redis.stop()
  }
  log('answer fast, process later: Redis round trips per delivery and per job…')
  deferRoundTrips = await measureDeferRoundTrips(redisBinary!, {
    items: smoke ? DEFER_ROUND_TRIP_ITEMS.smoke : DEFER_ROUND_TRIP_ITEMS.full,
  })
}

machine.loadAverageAtEnd = loadavg().map((l) => Number(l.toFixed(2)))
const sections: string[] = [
  `## upload-webhooks benchmark${smoke ? ' (smoke run: figures are not meaningful)' : ''}`,
  `${started.toISOString()} · commit ${gitCommit} · ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB · Node ${machine.node} · ` +
    `load average ${machine.loadAverageAtStart.join(' ')} at start, ${machine.loadAverageAtEnd.join(' ')} at end`,
]
if (throughput) {
  sections.push(
    '### 1. Throughput: 1 KiB QStash-signed `onUploadComplete`, unique delivery IDs',
    throughputTable(throughput, floorMicros),
    smoke
      ? ''
      : `autocannon, ${args.connections} connections, ${args.rounds} rounds of ${args.duration} s (after ${args.warmup} s of warm-up per server process), ` +
          `${processes === 1 ? 'one server process per variant' : `${processes} server processes per variant, a round's figure the median of theirs`}; medians over rounds.`,
  )
}
if (inside)
  sections.push('### 1b. Inside a server: the floor, `qstash()`, the bound and core, timed per request', insideTable(inside, verify))
if (verify) sections.push('### 2. Verification cost per delivery (1 KiB body)', verifyTable(verify))
if (roundTrips) sections.push('### 3. Redis round trips per delivery (`INFO commandstats` deltas)', roundTripTable(roundTrips))
if (soak) sections.push('### 4. Soak: one Express server process, memory at the start, every tenth and the end', soakTables(soak))
if (otel) sections.push('### 5. OpenTelemetry: our middleware with the API absent, present, and with a provider', otelTable(otel))
if (instructions)
  sections.push('### 6. Instructions per request: bare, ours and the lower bound under callgrind', instructionsTable(instructions))
if (deferIngress)
  sections.push(
    '### 7a. Answer fast, process later: ingress throughput, ours with `defer` against the queue recipes',
    deferIngressTable(deferIngress),
  )
if (deferRoundTrips)
  sections.push('### 7b. Answer fast, process later: Redis round trips per delivery and per job', deferRoundTripTable(deferRoundTrips))
if (problems.length) sections.push('### Problems', ...problems.map((p) => `- ${p}`))
console.log(sections.filter(Boolean).join('\n\n'))

mkdirSync(resultsDir, { recursive: true })
const file = `${resultsDir}${smoke ? 'smoke' : 'bench'}-${started.toISOString().replace(/[:.]/g, '-')}.json`
const verdicts = {
  throughput: throughput?.map((r) => {
    const bareTarget = bareRatioTarget(r.variant)
    const peerTarget = peerRatioTarget(r.variant)
    return {
      framework: r.framework,
      variant: r.variant,
      // A lower bound's verdicts say whether the targets of the variant it bounds are reachable.
      ...(r.variant in BOUND_OF ? { boundOf: BOUND_OF[r.variant] } : {}),
      ...(bareTarget === undefined ? {} : { target: bareTarget }),
      verdict: bareTarget === undefined ? 'n/a' : ratioVerdict(r.ratio ?? NaN, bareTarget),
      overheadVerdict: overheadVerdict(r.variant, r.overheadCpuMicros, floorMicros),
      ...(peerTarget === undefined
        ? {}
        : {
            peer: r.peer,
            peerTarget,
            peerVerdict: ratioVerdict(r.peerRatio ?? NaN, peerTarget),
            peerCpuVerdict: ratioVerdict(r.peerCpuRatio ?? NaN, peerTarget),
          }),
    }
  }),
  soak: soak?.map((r) => ({ store: r.store, verdict: r.flat === undefined ? 'n/a' : r.flat ? 'flat' : 'growing' })),
  verify: verify?.rows.map((r) => ({
    name: r.name,
    ...verifyVerdict(r, verify!.floorNs, verify!.rows.find((v) => v.name === r.vendor)?.avgNs),
  })),
  roundTrips: roundTrips?.map((r) => ({ scenario: r.scenario, verdict: roundTripVerdict(r) })),
  deferIngress: deferIngress
    ?.filter((r) => r.peerRatio !== undefined)
    .map((r) => ({
      framework: r.framework,
      peerRatio: r.peerRatio,
      // Informative: against the recipe with the same guarantees (no target).
      claimRatio: r.claimRatio,
      verdict: ratioVerdict(r.peerRatio!, DEFER_RECIPE_RATIO_TARGET),
      cpuVerdict: ratioVerdict(r.peerCpuRatio ?? NaN, DEFER_RECIPE_RATIO_TARGET),
    })),
  workerOverhead: (() => {
    const bare = deferRoundTrips?.find((r) => r.scenario === 'worker-bare')
    const ours = deferRoundTrips?.find((r) => r.scenario === 'worker-ours')
    if (!bare || !ours) return undefined
    const extra = workerExtraRoundTrips(ours, bare)
    return { extraRoundTripsPerJob: extra, verdict: workerOverheadVerdict(extra) }
  })(),
}
const targets = {
  memoryRatio: MEMORY_RATIO_TARGET,
  redisRatio: REDIS_RATIO_TARGET,
  floorMultiple: FLOOR_MULTIPLE_TARGET,
  peerMemoryRatio: PEER_MEMORY_RATIO_TARGET,
  peerRedisRatio: PEER_REDIS_RATIO_TARGET,
  overheadAboveFloorMicros: OVERHEAD_ABOVE_FLOOR_MICROS,
  soakGrowthTolerance: SOAK_GROWTH_TOLERANCE,
  soakGrowthSlackMiB: SOAK_GROWTH_SLACK_MIB,
  firstDeliveryRoundTrips: 2,
  duplicateRoundTrips: 1,
  deferRecipeRatio: DEFER_RECIPE_RATIO_TARGET,
  workerExtraRoundTrips: WORKER_EXTRA_ROUND_TRIPS_TARGET,
}
writeFileSync(
  file,
  `${JSON.stringify({ date: started.toISOString(), commit: gitCommit, smoke, machine, options: args, targets, verdicts, floorMicros, throughput, inside, verify, roundTrips, soak, otel, instructions, deferIngress, deferRoundTrips, problems }, null, 2)}\n`,
)
log(`\nfigures written to ${file}`)
if (problems.length) {
  log(`bench: ${problems.length} problem(s) above: the harness did not measure what it claims`)
  process.exitCode = 1
}
