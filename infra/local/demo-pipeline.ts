// `pnpm demo:pipeline`: the whole upload pipeline on this machine, no account, no network.
// Starts the Express example, a local QStash and the consumer worker in miniflare (R2 bucket +
// queue), puts a file into the bucket and prints every hop until the app lists the upload.
// Exits non-zero if any hop does not happen.
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { LocalQStash } from './qstash.js'
import { EVENTS_QUEUE, startLocalUploadEvents } from './upload-events.js'

const TOKEN = 'local-qstash-token'
const GROUP = 'uploads'
const exampleDir = fileURLToPath(new URL('../../examples/express/', import.meta.url))
const started = performance.now()
const print = (line = '') => process.stdout.write(`${line}\n`)
const hop = (n: number, name: string, line: string) => print(`${n} ${name.padEnd(9)} ${line}`)

/** Starts examples/express from source on a free port with the dev keys; resolves with its origin. */
async function startExample(): Promise<{ origin: string; child: ChildProcess }> {
  // Empty values beat a local .env: the demo signs with the public dev keys.
  const blank = Object.fromEntries(
    [
      'QSTASH_CURRENT_SIGNING_KEY',
      'QSTASH_NEXT_SIGNING_KEY',
      'WEBHOOK_PUBLIC_URL',
      'UPSTASH_REDIS_REST_URL',
      'UPSTASH_REDIS_REST_TOKEN',
      'REDIS_URL',
    ].map((name) => [name, '']),
  )
  const child = spawn('node_modules/.bin/tsx', ['--conditions=@upload-webhooks/source', 'src/server.ts'], {
    cwd: exampleDir,
    env: { ...process.env, ...blank, NODE_ENV: 'development', PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8')
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match) resolve({ origin: match[1]!, child })
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`examples/express exited ${code} before listening:\n${output}`)))
  })
}

async function until<T>(what: string, value: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const v = await value()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`no ${what} within 10 s`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const { origin, child } = await startExample()
const endpoint = `${origin}/api/webhooks/upload`
const qstash = new LocalQStash({ token: TOKEN, urlGroups: { [GROUP]: [endpoint] } })
const qstashUrl = await qstash.listen()
const workerLog: string[] = []
const pipeline = await startLocalUploadEvents({
  qstashUrl,
  qstashToken: TOKEN,
  urlGroup: GROUP,
  publicBaseUrl: 'https://files.example.com',
  failureCallbackUrl: endpoint,
  onWorkerLog: (line) => workerLog.push(line.replace(/^upload-consumer: /, '')),
})

let exitCode = 0
try {
  print('upload pipeline demo: everything runs locally (no account, no network)')
  print(`  app      examples/express on ${origin}, verifying with the public dev signing keys`)
  print(`  qstash   local QStash on ${qstashUrl}: URL group "${GROUP}" → ${endpoint}`)
  print(`  worker   infra/worker/upload-consumer.js in workerd (miniflare), bucket "${pipeline.bucketName}", queue "${EVENTS_QUEUE}"`)
  print()

  const note = await pipeline.putObject('users/user_123/hello.txt', 'Hello from R2!\n', {
    contentType: 'text/plain',
    customMetadata: { userId: 'user_123', source: 'demo' },
  })
  hop(1, 'R2 event', `${note.action} ${note.object.key} (${note.object.size} bytes, eTag ${note.object.eTag})`)
  hop(2, 'queue', `"${EVENTS_QUEUE}" ← ${JSON.stringify(note)}`)

  const publish = await until('publish', () => qstash.publishes[0])
  const event = JSON.parse(publish.body) as { file: { id: string; url?: string } }
  hop(3, 'publish', `worker head() the object → POST /v2/publish/${publish.urlGroup} → ${publish.status}`)
  print(`  Upstash-Deduplication-Id ${publish.headers['upstash-deduplication-id']}, file.id ${event.file.id}, file.url ${event.file.url}`)
  const ack = await until('worker ack', () => workerLog.find((line) => line.startsWith('ack ')))
  print(`  worker: ${ack}`)

  const delivery = await until('delivery', () => qstash.deliveries[0])
  hop(4, 'delivery', `QStash → POST ${delivery.url} signed (Upstash-Signature, dev key), message ${delivery.messageId}`)
  hop(5, 'handler', `app answered ${delivery.status} ${delivery.responseBody}`)

  // The queue may deliver a message twice: the same dedupe ID makes QStash drop the copy.
  await pipeline.notify(note)
  const again = await until('second publish', () => qstash.publishes[1])
  await qstash.idle()
  print()
  print(
    `Redelivered queue message → publish answered ${again.status}, deduplicated: ${again.deduplicated}; deliveries: ${qstash.deliveries.length}`,
  )

  const received = (await (await fetch(`${origin}/uploads`)).json()) as {
    uploads: { deliveryId: string; file: { name?: string; size?: number; contentType?: string; key?: string }; metadata: unknown }[]
  }
  print()
  print(`GET /uploads now lists ${received.uploads.length} upload${received.uploads.length === 1 ? '' : 's'}:`)
  for (const u of received.uploads) {
    print(
      `  ${u.file.name}  ${u.file.contentType}  ${u.file.size} bytes  key ${u.file.key}  metadata ${JSON.stringify(u.metadata)}  (delivery ${u.deliveryId})`,
    )
  }
  if (received.uploads.length !== 1 || delivery.status !== 200 || !again.deduplicated)
    throw new Error('the pipeline did not behave as documented')
  print()
  print(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
} catch (err) {
  exitCode = 1
  process.stderr.write(`demo:pipeline failed: ${err instanceof Error ? err.message : String(err)}\n`)
  if (workerLog.length) process.stderr.write(`worker log:\n${workerLog.join('\n')}\n`)
} finally {
  await pipeline.dispose()
  await qstash.close()
  child.kill('SIGTERM')
}
process.exit(exitCode)
