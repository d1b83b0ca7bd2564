// `--only soak`: memory of one long-running server process. Express + our middleware in a child
// process takes N deliveries (default 1,000,000), each new and signed as it is sent, with the
// memory store at its bound and then with the Redis store; RSS and heap are read at the start,
// after every tenth of the run and at the end, the heap after a full GC (the server runs with
// --expose-gc) so that what is still reachable is what is compared.
import { deliver } from './deliveries.js'
import { WEBHOOK_PATH } from './payload.js'
import { type MemorySample, startServers } from './server-process.js'
import { signedDeliveries } from './signed-deliveries.js'
import { SOAK_GROWTH_SLACK_MIB, SOAK_GROWTH_TOLERANCE } from './targets.js'

export type SoakStore = 'memory' | 'redis'
export const SOAK_STORES: readonly SoakStore[] = ['memory', 'redis']

export interface SoakOptions {
  deliveries: number
  stores: readonly SoakStore[]
  connections: number
  redisUrl: string
  /** The memory store's bound; undefined: its default (100 000). The smoke run lowers it to reach it. */
  maxEntries?: number
}

export interface SoakCheckpoint extends MemorySample {
  /** Deliveries answered so far. */
  deliveries: number
  /** Seconds since the first delivery. */
  seconds: number
}

export interface SoakRun {
  store: SoakStore
  deliveries: number
  seconds: number
  /** Deliveries after which the memory store is certainly at its bound (each delivery adds at least one key). */
  boundReachedBy?: number
  checkpoints: SoakCheckpoint[]
  /** Server process CPU time per delivery, µs (the soak is not a throughput measurement: informative). */
  serverCpuMicrosPerDelivery: number
  /** This process's CPU time per delivery, µs: autocannon and the signing; it must stay below the server's. */
  generatorCpuMicrosPerDelivery: number
  /**
   * The checkpoint growth is measured from: the first at or past the bound (memory), the first
   * tenth (Redis). The growth fields are absent when the run never got past the bound.
   */
  flatFrom?: number
  /** Heap after GC and RSS at the end over those at `flatFrom`. */
  heapGrowth?: number
  rssGrowth?: number
  flat?: boolean
  /** Answers other than 200 `processed`: every delivery is new, so any is a harness defect. */
  unexpected: number
  firstUnexpected?: string
  errors: number
}

const MEMORY_STORE_DEFAULT_BOUND = 100_000
const MiB = 2 ** 20

/** Within the tolerance, or within the slack that GC noise makes on a small heap. */
const grewLittle = (from: number, to: number) => to <= Math.max(from * (1 + SOAK_GROWTH_TOLERANCE), from + SOAK_GROWTH_SLACK_MIB * MiB)

async function soakOne(store: SoakStore, options: SoakOptions, log: (line: string) => void): Promise<SoakRun> {
  const servers = await startServers('express', [store], {
    redisUrl: options.redisUrl,
    nodeFlags: ['--expose-gc'],
    ...(options.maxEntries ? { env: { BENCH_MEMORY_MAX_ENTRIES: String(options.maxEntries) } } : {}),
  })
  const server = servers.get(store)!
  try {
    const next = signedDeliveries(`http://127.0.0.1:${server.port}${WEBHOOK_PATH}`, `msg_soak_${store}_${Date.now().toString(36)}_`)
    const checkpoints: SoakCheckpoint[] = [{ deliveries: 0, seconds: 0, ...(await server.memory()) }]
    let unexpected = 0
    let firstUnexpected: string | undefined
    let errors = 0
    let answered = 0
    const serverCpuBefore = await server.cpuMicros()
    const generatorCpuBefore = process.cpuUsage()
    const started = performance.now()
    for (let tenth = 1; tenth <= 10; tenth++) {
      const amount = Math.round((options.deliveries * tenth) / 10) - Math.round((options.deliveries * (tenth - 1)) / 10)
      const sent = await deliver(server.port, next, amount, options.connections)
      unexpected += sent.unexpected
      firstUnexpected ??= sent.firstUnexpected
      errors += sent.errors
      answered += sent.answered
      const checkpoint = { deliveries: answered, seconds: (performance.now() - started) / 1000, ...(await server.memory()) }
      checkpoints.push(checkpoint)
      log(
        `  soak ${store} ${String(tenth * 10).padStart(3)} %: ${answered} deliveries in ${checkpoint.seconds.toFixed(1)} s, ` +
          `RSS ${(checkpoint.rss / MiB).toFixed(1)} MiB, heap after GC ${(checkpoint.heapUsed / MiB).toFixed(1)} MiB`,
      )
    }
    const generatorCpu = process.cpuUsage(generatorCpuBefore)
    const cpu = {
      serverCpuMicrosPerDelivery: ((await server.cpuMicros()) - serverCpuBefore) / Math.max(1, answered),
      generatorCpuMicrosPerDelivery: (generatorCpu.user + generatorCpu.system) / Math.max(1, answered),
    }
    const bound = options.maxEntries ?? MEMORY_STORE_DEFAULT_BOUND
    const boundReachedBy = store === 'memory' ? bound : undefined
    const end = checkpoints.at(-1)!
    // Growth is judged between two checkpoints past the bound: a run too short to have two has no verdict.
    const from = checkpoints.find((c, i) => i > 0 && c !== end && (boundReachedBy === undefined || c.deliveries >= boundReachedBy))
    return {
      store,
      deliveries: answered,
      seconds: end.seconds,
      ...cpu,
      ...(boundReachedBy !== undefined ? { boundReachedBy } : {}),
      checkpoints,
      ...(from
        ? {
            flatFrom: from.deliveries,
            heapGrowth: end.heapUsed / from.heapUsed,
            rssGrowth: end.rss / from.rss,
            flat: grewLittle(from.heapUsed, end.heapUsed) && grewLittle(from.rss, end.rss),
          }
        : {}),
      unexpected,
      ...(firstUnexpected ? { firstUnexpected } : {}),
      errors,
    }
  } finally {
    await server.stop()
  }
}

/** One server process per store, one after the other (two at once would share the cores). */
export async function measureSoak(options: SoakOptions, log: (line: string) => void): Promise<{ runs: SoakRun[]; problems: string[] }> {
  const runs: SoakRun[] = []
  const problems: string[] = []
  for (const store of options.stores) {
    const run = await soakOne(store, options, log)
    runs.push(run)
    if (run.unexpected > 0 || run.errors > 0 || run.deliveries !== options.deliveries) {
      problems.push(
        `soak ${store}: ${run.deliveries} of ${options.deliveries} deliveries answered, ${run.errors} errors/timeouts, ` +
          `${run.unexpected} not "processed"${run.firstUnexpected ? ` (first: ${run.firstUnexpected})` : ''}`,
      )
    }
  }
  return { runs, problems }
}
