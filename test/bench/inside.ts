// Part 1b (`--only inside`, informative): what the floor's crypto, `qstash().verify()`, the lower
// bound and all of core (`router.receive()`) cost inside a loaded server, timed in-process per request
// (servers/inside.ts), next to what part 2 times in a hot loop. The overhead target compares a
// server's CPU per request with a floor timed hot; this part times both where a server runs them.
import { WEBHOOK_PATH } from './payload.js'
import { forkServer, type RunningServer } from './server-process.js'
import { INSIDE_WORK, type InsideStats, type InsideWork } from './servers/inside-work.js'
import { signedDeliveries } from './signed-deliveries.js'
import { load, median, warmUp } from './throughput.js'

export interface InsideOptions {
  rounds: number
  durationSec: number
  warmupSec: number
  connections: number
}

export interface InsideRow {
  work: InsideWork
  /** Median over rounds of the mean wall time per delivery, µs (all of it CPU: nothing in it waits on I/O). */
  micros: number
  /** Median over rounds of this work's time minus the floor's in the same round, µs. */
  beyondFloorMicros?: number
  /** Each round's mean, µs. */
  rounds: number[]
}

type InsideServer = Pick<RunningServer, 'port' | 'cpuMicros' | 'stop'> & { stats(): Promise<InsideStats> }

async function startInsideServer(): Promise<InsideServer> {
  const { ports, ask, stop } = await forkServer('./servers/inside.js', [], ['inside'], { name: 'inside' })
  return {
    port: ports.inside!,
    cpuMicros: async () => (await ask<{ cpuMicros: number }>('cpu')).cpuMicros,
    stats: async () => (await ask<{ stats: InsideStats }>('stats')).stats,
    stop,
  }
}

export async function measureInside(
  options: InsideOptions,
  log: (line: string) => void,
): Promise<{ rows: InsideRow[]; problems: string[] }> {
  const problems: string[] = []
  const server = await startInsideServer()
  try {
    const next = signedDeliveries(`http://127.0.0.1:${server.port}${WEBHOOK_PATH}`, `msg_inside_${Date.now().toString(36)}_`)
    const rounds: Record<InsideWork, number>[] = []
    await warmUp(server, next, options)
    await server.stats() // the warm-up's figures are dropped
    for (let round = 0; round < options.rounds; round++) {
      await load(server, next, options, options.durationSec)
      const stats = await server.stats()
      const means = {} as Record<InsideWork, number>
      for (const work of INSIDE_WORK) {
        const { totalMs, count, refused } = stats[work]
        if (count === 0 || refused > 0) problems.push(`inside a server, ${work}: ${count} deliveries timed, ${refused} not accepted`)
        means[work] = count === 0 ? Number.NaN : (totalMs * 1000) / count
      }
      rounds.push(means)
      log(`  inside a server round ${round + 1}: ${INSIDE_WORK.map((w) => `${w} ${means[w].toFixed(1)} µs`).join(', ')}`)
    }
    const rows = INSIDE_WORK.map((work) => ({
      work,
      micros: median(rounds.map((r) => r[work])),
      ...(work === 'floor' ? {} : { beyondFloorMicros: median(rounds.map((r) => r[work] - r.floor)) }),
      rounds: rounds.map((r) => r[work]),
    }))
    return { rows, problems }
  } finally {
    await server.stop()
  }
}
