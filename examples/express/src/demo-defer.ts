// `pnpm demo:defer`: answer fast, process later, on this machine. Starts its own redis-server,
// this example in deferred mode (DEFER=bullmq) and a worker process, then shows a slow handler's
// delivery answered 202 at once, its worker killed mid-handler and the job finished once by the
// next worker, and the same delivery again answered duplicate without a second job. Exits
// non-zero if any of that does not hold, and stops every process it started.
import { type ChildProcess, spawn } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Logger } from '@upload-webhooks/core'
import { redisStore } from '@upload-webhooks/core/redis'
import { devSigningKeys, signQStash } from '@upload-webhooks/core/testing'
import { QueueEvents } from 'bullmq'
import { Redis } from 'ioredis'
import { createApp, WEBHOOK_PATH } from './app.js'
import { connectDeferred, QUEUE_NAME } from './defer-setup.js'
import { keepDelivery, readDeliveryLog } from './delivery-log.js'
import { effectsKey, HANDLER_SECONDS, startedKey } from './demo-counters.js'
import { handlers } from './handlers.js'
import { keepJobNews } from './job-news.js'
import { startLocalRedis } from './local-redis.js'
import { webhookSetupFromEnv } from './webhook-setup.js'

const startedAt = performance.now()
const exampleDir = fileURLToPath(new URL('..', import.meta.url))
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until<T>(what: string, value: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = await value()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds(timeoutMs)}`)
    await sleep(50)
  }
}

const redis = await startLocalRedis()
const admin = new Redis(redis.url)
const count = async (key: string) => Number((await admin.get(key)) ?? 0)

// Worker processes, by number; each one's output is kept, and shown only when the demo fails.
const workers: { child: ChildProcess; output: string }[] = []
process.once('exit', () => {
  for (const { child } of workers) child.kill('SIGKILL')
})

/** Starts src/demo-defer-worker.ts as a child process; resolves once BullMQ listens. */
async function startWorkerProcess() {
  // One node process (tsx as a loader, not its CLI, which forks): a SIGKILL ends the worker itself.
  // Empty Upstash variables beat the shell's: the worker's store is REDIS_URL's, as the app's.
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@upload-webhooks/source', 'src/demo-defer-worker.ts'], {
    cwd: exampleDir,
    env: { ...process.env, REDIS_URL: redis.url, UPSTASH_REDIS_REST_URL: '', UPSTASH_REDIS_REST_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const worker = { child, output: '' }
  workers.push(worker)
  const read = (chunk: Buffer) => {
    worker.output += chunk.toString('utf8')
  }
  child.stdout!.on('data', read)
  child.stderr!.on('data', read)
  await until(`worker ${workers.length} ready`, async () => {
    if (child.exitCode !== null) throw new Error(`worker ${workers.length} exited ${child.exitCode}:\n${worker.output}`)
    return worker.output.includes('demo worker ready') || undefined
  })
  return worker
}

// The router's own log lines, printed after the table instead of interleaved with it.
const serverLog: string[] = []
const logger: Logger = {
  warn: (message) => serverLog.push(`warn  ${message}`),
  error: (message) => serverLog.push(`error ${message}`),
}

// The app as `DEFER=bullmq REDIS_URL=… pnpm dev` runs it, on the dev keys, its store on the same Redis.
const deferred = connectDeferred({ redisUrl: redis.url, summary: '' }, (news) => void keepJobNews(news))
const store = redisStore(new Redis(redis.url))
const app = createApp({ setup: webhookSetupFromEnv({}), handlers, store, logger, onDelivery: keepDelivery, defer: deferred.defer })
const server = app.listen(0, '127.0.0.1')
await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject))
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}${WEBHOOK_PATH}`

// Every job BullMQ was asked to add, from its event stream's start.
const enqueued = { added: 0, duplicated: 0 }
const events = new QueueEvents(QUEUE_NAME, { connection: new Redis(redis.url, { maxRetriesPerRequest: null }), lastEventId: '0-0' })
events.on('added', () => void enqueued.added++)
events.on('duplicated', () => void enqueued.duplicated++)

const messageId = 'msg_defer_1'
const body = JSON.stringify({
  event: 'onUploadComplete',
  file: { id: 'file_vid789', fileName: 'talk.mp4', fileSize: 52_428_800, contentType: 'video/mp4', status: 'UPLOADED' },
  metadata: { userId: 'user_123' },
})

/** Sends the delivery as QStash does; resolves with the answer and how long it took. */
async function deliver(retried: number) {
  const signed = await signQStash({ body, url: endpoint, messageId, retried, signingKey: devSigningKeys.currentSigningKey })
  const sent = performance.now()
  const response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...signed }, body })
  const answer = (await response.json()) as { status: string; reason?: string }
  return { answer: `${response.status} ${answer.reason ?? answer.status}`, ms: performance.now() - sent }
}

const rows: string[][] = []
let failures = 0
const row = (what: string, delivery: string, happened: string, check: string, ok: boolean) => {
  if (!ok) failures++
  rows.push([String(rows.length + 1), what, delivery, happened, `${ok ? '✓' : '✗'} ${check}`])
}

let exitCode = 0
try {
  await Promise.all([deferred.listening, events.waitUntilReady()])
  const first = await startWorkerProcess()
  await fetch(new URL('/uploads', endpoint)) // the client's first connection, so the timing below is the answer's alone

  // (a) The sender waits for the queue's acknowledgement only, never for the handler.
  const accepted = await deliver(0)
  const fast = accepted.answer === '202 accepted' && accepted.ms < 1000
  row(
    `onUploadComplete, handler takes ${HANDLER_SECONDS} s`,
    messageId,
    `${accepted.answer} in ${Math.round(accepted.ms)} ms`,
    'answered before the handler ran',
    fast,
  )

  // (b) Worker 1 dies mid-handler; worker 2 waits out its claim, then runs the job once.
  const startedRun = await until('handler started on worker 1', async () =>
    (await count(startedKey(messageId))) > 0 ? performance.now() : undefined,
  )
  await sleep(300)
  first.child.kill('SIGKILL')
  await new Promise((resolve) =>
    first.child.exitCode !== null || first.child.signalCode !== null ? resolve(null) : first.child.once('exit', resolve),
  )
  const effectsAtKill = await count(effectsKey(messageId))
  row(
    'worker 1 killed (SIGKILL) mid-handler',
    messageId,
    `after ${seconds(performance.now() - startedRun)} of its ${HANDLER_SECONDS} s`,
    `effect ran ${effectsAtKill}×`,
    effectsAtKill === 0,
  )

  const second = await startWorkerProcess()
  const done = await until('the job done by worker 2', async () =>
    readDeliveryLog().deliveries.find((d) => d.deliveryId === messageId && d.outcome === 'processed'),
  )
  const [started, effects] = [await count(startedKey(messageId)), await count(effectsKey(messageId))]
  const waits = second.output.split("another worker holds this job's claim").length - 1
  row(
    'worker 2 started, takes the job over',
    messageId,
    `retried ${waits}× while worker 1's claim held, then ran it: done ${seconds(done.durationMs)} after the 202`,
    `handler started ${started}×, effect ran ${effects}×`,
    started === 2 && effects === 1,
  )

  // (c) The router's record answers the retry; nothing reaches BullMQ.
  const again = await deliver(1)
  await sleep(1000) // room for a second job, were there one
  const finalEffects = await count(effectsKey(messageId))
  row(
    'the same delivery again (sender retry)',
    `${messageId} (retry 1)`,
    `${again.answer}; jobs BullMQ was asked to add: ${enqueued.added + enqueued.duplicated}`,
    `not enqueued again, effect ran ${finalEffects}×`,
    again.answer === '200 duplicate' && enqueued.added === 1 && enqueued.duplicated === 0 && finalEffects === 1,
  )
} catch (error) {
  exitCode = 1
  process.stderr.write(`demo:defer failed: ${error instanceof Error ? error.message : String(error)}\n`)
} finally {
  server.closeAllConnections()
  server.close()
  await Promise.allSettled([deferred.close(), events.close()])
  for (const { child } of workers) child.kill('SIGKILL')
  admin.disconnect()
  redis.stop()
}

const header = ['#', 'step', 'delivery', 'what happened', 'check']
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((cells) => cells[column]!.length)))
const line = (cells: string[]) =>
  cells
    .map((cell, column) => cell.padEnd(widths[column]!))
    .join('  ')
    .trimEnd()

console.log(`\nupload-webhooks demo:defer: the Express example in deferred mode on ${endpoint}`)
console.log(`  queue    BullMQ "${QUEUE_NAME}" on a redis-server of its own at ${new URL(redis.url).host}`)
console.log("  workers  src/demo-defer-worker.ts as child processes: the app's handlers, made slow and counted")
console.log(`\n${line(header)}\n${widths.map((width) => '─'.repeat(width)).join('  ')}`)
for (const cells of rows) console.log(line(cells))

console.log("\nthe home page's live log for it, oldest first:")
for (const d of readDeliveryLog()
  .deliveries.filter((d) => d.deliveryId === messageId)
  .reverse()) {
  console.log(`  ${`${d.status} ${d.outcome}`.padEnd(14)} ${d.explanation ?? `answered in ${Math.round(d.durationMs)} ms`}`)
}
if (serverLog.length > 0) console.log(`\nserver log:\n${serverLog.map((entry) => `  ${entry}`).join('\n')}`)
if (failures > 0 || exitCode !== 0) {
  exitCode = 1
  for (const [n, { output }] of workers.entries()) process.stderr.write(`\nworker ${n + 1} output:\n${output}`)
}
console.log(
  `\n${exitCode === 0 ? 'every step as documented' : `${failures} step(s) differ from the documented ones`} · ${seconds(performance.now() - startedAt)}`,
)
process.exit(exitCode)
