// Child process: serves one framework × variant on a loopback port, so the load generator
// (autocannon, in the parent) and the server each get a core of their own.
// argv: <framework> <variant>; env BENCH_REDIS_URL for the redis variant. Tells the parent
// its port over IPC, its CPU time on "cpu", and exits cleanly on "stop" (so --cpu-prof can
// write its profile).
import { createServer } from 'node:http'
import { FRAMEWORKS, isFramework } from './frameworks.js'
import { setupVariant, VARIANTS, type Variant } from './servers/variant.js'

const [framework = '', variant = ''] = process.argv.slice(2)
if (!isFramework(framework) || !VARIANTS.includes(variant as Variant)) {
  throw new Error(`bench server: usage server.js <${Object.keys(FRAMEWORKS).join('|')}> <${VARIANTS.join('|')}>`)
}
const setup = await setupVariant(variant as Variant, process.env.BENCH_REDIS_URL)
const server = createServer((await FRAMEWORKS[framework].load())(setup.options))
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.address() as { port: number }).port })
})
process.on('message', (message) => {
  // CPU time this process used so far, µs: the parent turns deltas into CPU per request.
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage()
    return void process.send!({ cpuMicros: user + system })
  }
  if (message !== 'stop') return
  server.closeAllConnections()
  server.close()
  void setup.close().finally(() => process.exit(0))
})
process.on('disconnect', () => process.exit(0))
