// Child process for part 1b (`inside.ts`): a plain node:http server that, per request, times one
// piece of work in turn, in-process, on that request's delivery, and answers like a bare route:
// the floor's crypto, `qstash().verify()`, the lower bound's route, or `router.receive()`. Each
// piece runs where a server runs it, after the HTTP stack's own work has taken the CPU caches,
// and none warms the caches for another within a request. Answers its stats on "stats" (and
// resets them), its CPU time on "cpu", and exits on "stop".
import { createHmac, createSecretKey, hash } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import { createWebhookRouter, type DeliveryBody, memoryStore, qstash } from '@upload-webhooks/core'
import { devSigningKeys, silentLogger } from '@upload-webhooks/core/testing'
import { processed } from './answers.js'
import { INSIDE_WORK, type InsideStats, type InsideWork } from './inside-work.js'
import { lowerBound } from './lower-bound.js'
import { readAll } from './read-all.js'

const signingKey = createSecretKey(Buffer.from(devSigningKeys.currentSigningKey))
const verifier = qstash({ ...devSigningKeys })
const bound = lowerBound()
const router = createWebhookRouter({
  verify: qstash({ ...devSigningKeys }),
  store: memoryStore(),
  handlers: { onUploadComplete: () => {} },
  logger: silentLogger,
})

/** The crypto a QStash delivery cannot skip: the HMAC of the JWT's signing input and the SHA-256 of the body. */
function floor(token: string, bytes: Buffer): boolean {
  createHmac('sha256', signingKey)
    .update(token.slice(0, token.lastIndexOf('.')))
    .digest()
  hash('sha256', bytes, 'buffer')
  return true
}

/** As the router holds a body: the text decoded only when asked for (`qstash()` never asks). */
const bodyOf = (bytes: Buffer): DeliveryBody => ({
  bytes,
  get text() {
    return bytes.toString('utf8')
  },
})
const urlOf = (req: IncomingMessage) => `http://${req.headers.host}${req.url}`

async function run(work: InsideWork, req: IncomingMessage, bytes: Buffer): Promise<boolean> {
  if (work === 'floor') return floor(String(req.headers['upstash-signature']), bytes)
  if (work === 'bound') {
    const answer = await bound({
      body: bytes.toString('utf8'),
      signature: req.headers['upstash-signature'] as string | undefined,
      messageId: req.headers['upstash-message-id'] as string | undefined,
      url: urlOf(req),
    })
    return processed(answer.status, answer.body)
  }
  if (work === 'verify') {
    const url = urlOf(req)
    return Promise.resolve(verifier.verify({ method: 'POST', url, publicUrl: url, headers: req.headers, body: bodyOf(bytes) })).then(
      () => true,
      () => false,
    )
  }
  const result = await router.receive({ method: 'POST', url: urlOf(req), headers: req.headers, body: bytes })
  return result.outcome === 'processed'
}

const fresh = (): InsideStats => ({
  floor: { totalMs: 0, count: 0, refused: 0 },
  verify: { totalMs: 0, count: 0, refused: 0 },
  bound: { totalMs: 0, count: 0, refused: 0 },
  receive: { totalMs: 0, count: 0, refused: 0 },
})
let stats = fresh()
let turn = 0

const server = createServer((req, res) => {
  const work = INSIDE_WORK[turn++ % INSIDE_WORK.length]!
  readAll(req).then(async (bytes) => {
    const started = performance.now()
    const accepted = await run(work, req, bytes)
    const entry = stats[work]
    entry.totalMs += performance.now() - started
    entry.count++
    if (!accepted) entry.refused++
    res.statusCode = 200
    res.setHeader('content-type', 'application/json; charset=utf-8')
    res.end('{"status":"processed"}')
  })
})
server.listen(0, '127.0.0.1', () => process.send!({ ports: { inside: (server.address() as { port: number }).port } }))

process.on('message', (message) => {
  if (message === 'stats') {
    process.send!({ stats })
    stats = fresh()
  } else if (message === 'cpu') {
    const { user, system } = process.cpuUsage()
    process.send!({ cpuMicros: user + system })
  } else if (message === 'stop') {
    server.closeAllConnections()
    server.close()
    process.exit(0)
  }
})
