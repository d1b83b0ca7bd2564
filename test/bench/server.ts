// Child process: serves one framework on a loopback port per variant, so the load generator
// (autocannon, in the parent) and the server each get a core of their own. Full runs give each
// variant its own process; the smoke run puts a framework's variants in one to start faster.
// argv: <framework> <variant>[,<variant>...]; env BENCH_REDIS_URL for the Redis variants (and
// BENCH_QUEUE_PREFIX for the defer part's),
// BENCH_OTEL for the OpenTelemetry setting (servers/telemetry-mode.ts).
// Tells the parent its ports over IPC, its CPU time on "cpu", its memory on "memory" (after a
// full GC when run with --expose-gc), profiles itself between "profile-start" and a
// `{"profileTo": path}` question (`--profile`), and exits cleanly on "stop".
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { Session } from 'node:inspector/promises'
import { FRAMEWORKS, isFramework } from './frameworks.js'
import { exportedSpans, setupTelemetry } from './servers/telemetry-mode.js'
import { ALL_VARIANTS, setupVariant, type Variant } from './servers/variant.js'

const [framework = '', list = ''] = process.argv.slice(2)
const variants = list.split(',') as Variant[]
if (!isFramework(framework) || variants.length === 0 || !variants.every((v) => ALL_VARIANTS.includes(v))) {
  throw new Error(`bench server: usage server.js <${Object.keys(FRAMEWORKS).join('|')}> <${ALL_VARIANTS.join('|')}>[,...]`)
}
await setupTelemetry(process.env.BENCH_OTEL)
const listener = await FRAMEWORKS[framework].load()
const running = await Promise.all(
  variants.map(async (variant) => {
    const setup = await setupVariant(variant, process.env.BENCH_REDIS_URL)
    const server = createServer(listener(setup.route))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return { variant, setup, server, port: (server.address() as { port: number }).port }
  }),
)
process.send!({ ports: Object.fromEntries(running.map((r) => [r.variant, r.port])) })
// The profiler runs only while the parent measures: start-up and warm-up stay out of it.
let profiler: Session | undefined
async function startProfile() {
  profiler = new Session()
  profiler.connect()
  await profiler.post('Profiler.enable')
  await profiler.post('Profiler.start')
}
async function stopProfile(path: string) {
  const { profile } = await profiler!.post('Profiler.stop')
  writeFileSync(path, JSON.stringify(profile))
  profiler!.disconnect()
  profiler = undefined
}

process.on('message', (message) => {
  if (message === 'profile-start') return void startProfile().then(() => process.send!({ profiling: true }))
  if (typeof message === 'string' && message.startsWith('{"profileTo"')) {
    const { profileTo } = JSON.parse(message) as { profileTo: string }
    return void stopProfile(profileTo).then(() => process.send!({ profiled: profileTo }))
  }
  // CPU time this process used so far, µs: the parent turns deltas into CPU per request.
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage()
    return void process.send!({ cpuMicros: user + system })
  }
  if (message === 'spans') {
    void exportedSpans().then((spans) => process.send!({ spans }))
    return
  }
  if (message === 'memory') {
    globalThis.gc?.()
    return void process.send!({ memory: process.memoryUsage() })
  }
  if (message !== 'stop') return
  for (const { server } of running) {
    server.closeAllConnections()
    server.close()
  }
  void Promise.all(running.map(({ setup }) => setup.close())).finally(() => process.exit(0))
})
process.on('disconnect', () => process.exit(0))
