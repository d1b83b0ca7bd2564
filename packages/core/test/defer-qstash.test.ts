// deferToQStash and createWorker().handle against the repository's local QStash (infra/local):
// a deduplicated publish runs once, a forged job is refused, a failure callback dead-letters.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createWorker, type DeferredJob, memoryStore, type WorkerHandler } from '@upload-webhooks/core'
import { deferToQStash } from '@upload-webhooks/core/qstash'
import { devSigningKeys, signQStash, silentLogger } from '@upload-webhooks/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { LocalQStash } from '../../../infra/local/qstash.js'
import { jobDedupeId } from '../src/defer/job.js'

const TOKEN = 'local-qstash-token'
const TYPE = 'upload.completed'
const closers: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

let n = 0
const fresh = (what: string) => `${what}-${Date.now()}-${n++}`

function jobFor(deliveryId: string, receivedAt = new Date().toISOString()): DeferredJob {
  const event = { type: TYPE, sender: 'sonuslab', event: TYPE, file: { id: deliveryId } }
  return { v: 1, deliveryId, sender: 'sonuslab', type: TYPE, event: event as never, receivedAt }
}

/** Serves `handle` on a loopback port: the consumer route QStash delivers to. */
async function serve(handle: (request: Request) => Promise<Response>): Promise<string> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', async () => {
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value)
      const body = req.method === 'POST' ? Buffer.concat(chunks) : undefined
      const answer = await handle(new Request(`http://127.0.0.1:${port}${req.url}`, { method: req.method!, headers, body }))
      res.writeHead(answer.status, Object.fromEntries(answer.headers))
      res.end(Buffer.from(await answer.arrayBuffer()))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  closers.push(() => new Promise((resolve) => server.close(resolve)))
  return `http://127.0.0.1:${port}/api/jobs`
}

async function harness(handler: WorkerHandler, retries = 1) {
  const qstash = new LocalQStash({ token: TOKEN, urlGroups: {}, retryDelayMs: 10 })
  const baseUrl = await qstash.listen()
  closers.push(() => qstash.close())
  let handle: (request: Request) => Promise<Response> = async () => new Response(null, { status: 503 })
  const url = await serve((request) => handle(request))
  const store = memoryStore()
  const deadLetters: [DeferredJob, unknown][] = []
  const worker = createWorker({
    store,
    logger: silentLogger,
    qstash: { url, ...devSigningKeys },
    onDeadLetter: (job, error) => void deadLetters.push([job, error]),
    handlers: { [TYPE]: handler },
  })
  handle = worker.handle
  const engine = deferToQStash({ url, token: TOKEN, baseUrl, retries })
  const enqueue = (job: DeferredJob) =>
    engine.enqueue({ job, dedupeId: jobDedupeId(job.sender, job.deliveryId), signal: new AbortController().signal })
  return { qstash, url, store, enqueue, deadLetters }
}

describe('deferToQStash + createWorker().handle on the local QStash', () => {
  it('a deduplicated publish is published again under a fresh ID and runs the handler once; a stale original timestamp is fine', async () => {
    const effects: string[] = []
    const h = await harness((event, ctx) => void effects.push(`${event.file.id}@${ctx.receivedAt}`))
    const job = jobFor(fresh('d'), '2020-01-01T00:00:00.000Z')
    const dedupeId = jobDedupeId(job.sender, job.deliveryId)
    await h.enqueue(job)
    await h.qstash.idle()
    await h.enqueue(job)
    await h.qstash.idle()
    expect(h.qstash.publishes.map((p) => [p.status, p.deduplicated, p.headers['upstash-deduplication-id']])).toEqual([
      [201, false, dedupeId],
      [202, true, dedupeId],
      [201, false, expect.stringMatching(new RegExp(`^${dedupeId}_[0-9a-f]{32}$`))],
    ])
    expect(h.qstash.publishes[0]!.headers['upstash-failure-callback']).toBe(h.url)
    expect(h.qstash.deliveries.map((d) => d.status)).toEqual([200, 200])
    expect(effects).toEqual([`${job.deliveryId}@2020-01-01T00:00:00.000Z`])
  })

  it('refuses a job signed with another key, or for another URL, and runs nothing', async () => {
    const effects: string[] = []
    const h = await harness((event) => void effects.push(event.file.id))
    const body = JSON.stringify(jobFor(fresh('d')))
    const post = async (signed: Record<string, string>) =>
      (await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json', ...signed }, body })).status
    expect(await post(await signQStash({ body, url: h.url, signingKey: 'sig_forged_key_000000000000' }))).toBe(401)
    expect(
      await post(await signQStash({ body, url: 'https://other.example/api/jobs', signingKey: devSigningKeys.currentSigningKey })),
    ).toBe(401)
    expect(await post({})).toBe(401)
    expect(effects).toEqual([])
    expect(await post(await signQStash({ body, url: h.url, signingKey: devSigningKeys.currentSigningKey }))).toBe(200)
    expect(effects).toHaveLength(1)
  })

  it("QStash's failure callback dead-letters the job and clears the router's record", async () => {
    const h = await harness(() => {
      throw new Error('downstream is down')
    })
    const job = jobFor(fresh('d'))
    const ingressKey = `upload-webhooks:${job.sender}:${job.deliveryId}`
    await h.store.claim(ingressKey, 'claim:f:1', 30)
    await h.store.commit(ingressKey, 'claim:f:1', 3600)
    await h.enqueue(job)
    await h.qstash.idle()
    expect(h.qstash.deliveries.map((d) => [d.status, d.failureCallback])).toEqual([
      [500, false],
      [500, false],
      [200, true],
    ])
    expect(h.deadLetters.map(([dead]) => dead)).toEqual([job])
    expect(await h.store.claim(ingressKey, 'claim:f:2', 30)).toEqual({ state: 'claimed' })
  })

  it("the sender's re-delivery after a dead letter runs, though QStash still holds the dead job's dedupe ID", async () => {
    let down = true
    const effects: string[] = []
    const h = await harness((event) => {
      if (down) throw new Error('downstream is down')
      effects.push(event.file.id)
    })
    const job = jobFor(fresh('d'))
    await h.enqueue(job)
    await h.qstash.idle()
    expect(h.deadLetters).toHaveLength(1)
    down = false
    await h.enqueue(job)
    await h.qstash.idle()
    expect(effects).toEqual([job.deliveryId])
  })

  it('a malformed job is answered 489 non-retryable: QStash stops at once', async () => {
    const h = await harness(() => undefined, 3)
    const { v: _v, ...noVersion } = jobFor(fresh('d'))
    await h.enqueue(noVersion as never)
    await h.qstash.idle()
    expect(h.qstash.deliveries.map((d) => [d.status, d.failureCallback])).toEqual([
      [489, false],
      [200, true],
    ])
    expect(h.deadLetters).toEqual([])
  })
})
