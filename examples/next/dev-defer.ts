// `pnpm dev:defer`: `next dev` in the deferred mode on this repository's local QStash
// (infra/local/qstash.ts, the one `pnpm demo:pipeline` uses), so no Upstash account is needed. The
// local QStash signs each job with the public dev keys, which `next dev` verifies by default.
import { spawn } from 'node:child_process'
import { LocalQStash } from '../../infra/local/qstash.js'
import { CONSUMER_PATH } from './lib/defer-setup.js'

const TOKEN = 'local-qstash-token'
const port = process.env.PORT ?? '3000'
const qstash = new LocalQStash({ token: TOKEN, urlGroups: {} })
const qstashUrl = await qstash.listen()
console.log(`[dev:defer] local QStash on ${qstashUrl}, delivering jobs to http://localhost:${port}${CONSUMER_PATH}`)

const next = spawn('next', ['dev'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: '1',
    PORT: port,
    QSTASH_URL: qstashUrl,
    QSTASH_TOKEN: TOKEN,
    DEFER_URL: `http://localhost:${port}${CONSUMER_PATH}`,
  },
})
// Ctrl-C reaches `next dev` too (same terminal); the local QStash stops when it exits.
process.on('SIGINT', () => {})
next.once('exit', async (code, signal) => {
  await qstash.close()
  process.exit(code ?? (signal ? 1 : 0))
})
