// `--only otel` (informative, no target): what OpenTelemetry costs our middleware per request.
// Express + the memory store in three server processes: `@opentelemetry/api` absent, present
// without a provider (core then never builds its instruments), and present with tracer and meter
// providers exporting to a no-op exporter. Rounds rotate the order, like the throughput part.
import { WEBHOOK_PATH } from './payload.js'
import { type RunningServer, startServers } from './server-process.js'
import { TELEMETRY_MODES, type TelemetryMode } from './servers/telemetry-mode.js'
import { signedDeliveries } from './signed-deliveries.js'
import { load, median, preflight, type Sample, warmUp } from './throughput.js'

export interface OtelOptions {
  rounds: number
  durationSec: number
  warmupSec: number
  connections: number
}

export interface OtelRow {
  mode: TelemetryMode
  /** Medians over rounds. */
  reqPerSec: number
  serverCpuMicrosPerRequest: number
  /** Median over rounds of this mode's server CPU per request minus the `absent` mode's in the same round. */
  cpuMicrosOverAbsent?: number
  /** Spans the no-op exporter received (provider mode): proves the deliveries were traced. */
  spansExported: number
  samples: Sample[]
}

export async function measureOtel(options: OtelOptions, log: (line: string) => void): Promise<{ rows: OtelRow[]; problems: string[] }> {
  const problems: string[] = []
  const servers = new Map<TelemetryMode, RunningServer>()
  try {
    for (const mode of TELEMETRY_MODES) {
      const started = await startServers('express', ['memory'], { redisUrl: undefined, env: { BENCH_OTEL: mode } })
      servers.set(mode, started.get('memory')!)
    }
    const nexts = new Map(
      TELEMETRY_MODES.map((mode) => {
        const url = `http://127.0.0.1:${servers.get(mode)!.port}${WEBHOOK_PATH}`
        return [mode, signedDeliveries(url, `msg_otel_${mode}_${Date.now().toString(36)}_`)] as const
      }),
    )
    for (const mode of TELEMETRY_MODES) {
      await preflight(servers.get(mode)!, 'memory', nexts.get(mode)!, `Express memory, OpenTelemetry ${mode}`)
      await warmUp(servers.get(mode)!, nexts.get(mode)!, options)
    }
    const rounds: Map<TelemetryMode, Sample>[] = []
    for (let round = 0; round < options.rounds; round++) {
      const inRound = new Map<TelemetryMode, Sample>()
      for (let i = 0; i < TELEMETRY_MODES.length; i++) {
        const mode = TELEMETRY_MODES[(i + round) % TELEMETRY_MODES.length]!
        const server = servers.get(mode)!
        const sample = await load(server, nexts.get(mode)!, options, options.durationSec)
        if (sample.unexpected > 0 || sample.errors > 0 || sample.responses === 0) {
          problems.push(`OpenTelemetry ${mode}: ${sample.responses} answers, ${sample.errors} errors, ${sample.unexpected} not "processed"`)
        }
        inRound.set(mode, sample)
        log(`  OpenTelemetry ${mode.padEnd(8)} round ${round + 1}: server CPU ${sample.serverCpuMicrosPerRequest.toFixed(0)} µs/req`)
      }
      rounds.push(inRound)
    }
    const rows: OtelRow[] = []
    for (const mode of TELEMETRY_MODES) {
      const samples = rounds.map((round) => round.get(mode)!)
      const spansExported = await servers.get(mode)!.spans()
      if (mode === 'provider' && spansExported === 0) problems.push('OpenTelemetry provider: no span was exported, so nothing was traced')
      rows.push({
        mode,
        reqPerSec: median(samples.map((s) => s.reqPerSec)),
        serverCpuMicrosPerRequest: median(samples.map((s) => s.serverCpuMicrosPerRequest)),
        ...(mode === 'absent'
          ? {}
          : {
              cpuMicrosOverAbsent: median(
                rounds.map((round) => round.get(mode)!.serverCpuMicrosPerRequest - round.get('absent')!.serverCpuMicrosPerRequest),
              ),
            }),
        spansExported,
        samples,
      })
    }
    return { rows, problems }
  } finally {
    await Promise.all([...servers.values()].map((server) => server.stop()))
  }
}
