// Counting the commands clients send a redis-server, the way part 3 does: the `INFO commandstats`
// delta around some work, less the calls Lua scripts made inside the server, which commandstats
// counts too and MONITOR tags with source "lua". What is left is client round trips.
import type { Redis } from 'ioredis'

/** Our own probing commands, never part of the work's cost. */
const ADMIN = new Set(['info', 'echo', 'config|resetstat', 'config', 'monitor', 'ping', 'client|setname', 'client'])

/** `calls + rejected_calls` per command, our probes left out. */
export function parseCommandstats(info: string): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const line of info.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+).*rejected_calls=(\d+)/.exec(line.trim())
    if (match && !ADMIN.has(match[1]!)) counts[match[1]!] = Number(match[2]) + Number(match[3])
  }
  return counts
}

function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [command, calls] of Object.entries(after)) {
    const d = calls - (before[command] ?? 0)
    if (d > 0) out[command] = d
  }
  return out
}

export interface Counted<T> {
  result: T
  /** Client round trips: the commandstats delta minus the calls made inside Lua. */
  roundTrips: number
  /** The raw commandstats delta. */
  commandstats: Record<string, number>
  /** Calls made by scripts inside the server (MONITOR source "lua"). */
  inScript: number
}

export interface CommandCounter {
  /** Runs `work` and counts every command the server received meanwhile, but `admin`'s probes. */
  count<T>(work: () => Promise<T>): Promise<Counted<T>>
  stop(): void
}

/** `admin` probes (INFO, ECHO); `monitorClient` is put in MONITOR mode and used for nothing else. */
export async function commandCounter(admin: Redis, monitorClient: Redis): Promise<CommandCounter> {
  let inScript = 0
  const seen = new Set<string>()
  const monitor = await monitorClient.monitor()
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === 'lua') inScript++
    if (String(args[0]).toLowerCase() === 'echo') seen.add(String(args[1]))
  })
  // MONITOR events arrive asynchronously: an ECHO marker tells when all earlier commands were seen.
  let markers = 0
  const drain = async () => {
    const marker = `bench-marker-${++markers}`
    await admin.echo(marker)
    const started = Date.now()
    while (!seen.has(marker)) {
      if (Date.now() - started > 5000) throw new Error('bench: MONITOR never reported the marker command')
      await new Promise((r) => setTimeout(r, 2))
    }
  }
  return {
    async count(work) {
      await drain()
      const before = parseCommandstats(await admin.info('commandstats'))
      inScript = 0
      const result = await work()
      await drain()
      const commandstats = delta(before, parseCommandstats(await admin.info('commandstats')))
      const total = Object.values(commandstats).reduce((a, b) => a + b, 0)
      return { result, roundTrips: total - inScript, commandstats, inScript }
    },
    stop: () => monitor.disconnect(),
  }
}
