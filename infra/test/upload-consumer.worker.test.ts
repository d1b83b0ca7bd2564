import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { LocalQStash } from '../local/qstash.js'
import {
  EVENTS_QUEUE,
  type LocalUploadEvents,
  type R2Notification,
  r2Notification,
  startLocalUploadEvents,
} from '../local/upload-events.js'

// The consumer runs in workerd (miniflare 3) with a real R2 bucket and a real queue (its
// consumer, retries and dead-letter queue). Every fetch it makes reaches `outbound` below,
// which plays QStash's publish API (recording only: no deliveries here).

const QSTASH = 'https://qstash.test'
const TOKEN = 'qstash-consumer-token'
const GROUP = 'uploads'
const PUBLIC_BASE = 'https://files.example.com/'
const FAILURE_CALLBACK = 'https://app.example.com/api/webhooks/upload'
const MAX_RETRIES = 2
const CONCURRENCY = 4

let qstash: LocalQStash
let unreachable = false
let pipeline: LocalUploadEvents
const workerLog: string[] = []

async function outbound(request: Request): Promise<Response> {
  if (new URL(request.url).origin !== QSTASH) return new Response(`unexpected ${request.method} ${request.url}`, { status: 599 })
  if (unreachable) throw new Error('connect ECONNREFUSED (simulated)')
  return qstash.handle(request)
}

beforeAll(async () => {
  pipeline = await startLocalUploadEvents({
    qstashUrl: QSTASH,
    qstashToken: TOKEN,
    urlGroup: GROUP,
    publicBaseUrl: PUBLIC_BASE,
    failureCallbackUrl: FAILURE_CALLBACK,
    publishConcurrency: CONCURRENCY,
    maxRetries: MAX_RETRIES,
    outbound,
    onWorkerLog: (line) => workerLog.push(line),
  })
})
afterAll(async () => {
  await pipeline?.dispose()
})
beforeEach(async () => {
  qstash = new LocalQStash({ token: TOKEN, urlGroups: { [GROUP]: ['https://app.example.com/api/webhooks/upload'] }, deliver: false })
  unreachable = false
  pipeline.deadLetters.length = 0
})

/** Waits (bounded) until `done()` holds; the queue delivers asynchronously. */
async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Hands one batch straight to the worker's queue handler; returns what it acked and retried. */
async function dispatch(...bodies: unknown[]) {
  const worker = await pipeline.mf.getWorker()
  const messages = bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body }))
  const result = await worker.queue(EVENTS_QUEUE, messages)
  return {
    acked: [...result.explicitAcks].sort(),
    retried: result.retryMessages.map((r) => ({ id: r.msgId, delaySeconds: r.delaySeconds })),
  }
}

async function putOnly(key: string, body = 'bytes'): Promise<R2Notification> {
  const bucket = await pipeline.mf.getR2Bucket('UPLOAD_BUCKET', 'upload-consumer')
  const object = await bucket.put(key, body)
  return r2Notification(pipeline.bucketName, 'PutObject', { key, size: object.size, eTag: object.etag })
}

const published = () => qstash.publishes.map((p) => JSON.parse(p.body) as { file: Record<string, unknown>; metadata: unknown })

describe('upload consumer worker (workerd, real R2 bucket and queue)', () => {
  it('publishes ONE UploadKit onUploadComplete per object to the URL group, with a dedupe ID per version', async () => {
    const photo = await pipeline.putObject('users/42/photo 1.jpg', 'jpeg-bytes', {
      contentType: 'image/jpeg',
      customMetadata: { userId: 'user_42', category: 'avatar' },
    })
    await pipeline.putObject('docs/report.pdf', 'pdf-bytes-longer', { contentType: 'application/pdf' })
    await until('two publishes', () => qstash.publishes.length === 2)

    const byKey = new Map(qstash.publishes.map((p) => [(JSON.parse(p.body) as { file: { key: string } }).file.key, p]))
    const first = byKey.get('users/42/photo 1.jpg')!
    expect(first.urlGroup).toBe(GROUP)
    expect(first.status).toBe(201)
    expect(first.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json',
      'upstash-deduplication-id': expect.stringMatching(/^r2-[0-9a-f]{64}$/),
      'upstash-failure-callback': FAILURE_CALLBACK,
    })
    const body = JSON.parse(first.body)
    expect(body).toEqual({
      event: 'onUploadComplete',
      file: {
        id: expect.stringMatching(/^r2_[0-9a-f]{32}$/),
        key: 'users/42/photo 1.jpg',
        url: 'https://files.example.com/users/42/photo%201.jpg',
        fileName: 'photo 1.jpg',
        fileSize: 'jpeg-bytes'.length,
        contentType: 'image/jpeg',
        status: 'UPLOADED',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
      metadata: { userId: 'user_42', category: 'avatar' },
    })
    expect(photo.object.eTag).toBeTruthy()
    const report = JSON.parse(byKey.get('docs/report.pdf')!.body)
    expect(report.file).toMatchObject({ fileName: 'report.pdf', fileSize: 16, contentType: 'application/pdf' })
    expect(report.metadata).toEqual({})
    expect(report.file.id).not.toBe(body.file.id)
  })

  it('publishes the same dedupe ID and file ID when the queue redelivers a message, so QStash drops the copy', async () => {
    const note = await putOnly('again.png')
    expect(await dispatch(note)).toEqual({ acked: ['m0'], retried: [] })
    expect(await dispatch(note)).toEqual({ acked: ['m0'], retried: [] })
    const [a, b] = qstash.publishes
    expect(b!.headers['upstash-deduplication-id']).toBe(a!.headers['upstash-deduplication-id'])
    expect(published()[1]!.file.id).toBe(published()[0]!.file.id)
    expect([a!.deduplicated, b!.deduplicated]).toEqual([false, true])
  })

  it('gives a new version of the same key a new dedupe ID and file ID', async () => {
    const v1 = await putOnly('avatar.png', 'one')
    await dispatch(v1)
    const v2 = await putOnly('avatar.png', 'two!')
    await dispatch(v2)
    expect(qstash.publishes.map((p) => p.deduplicated)).toEqual([false, false])
    expect(published()[0]!.file.id).not.toBe(published()[1]!.file.id)
  })

  it('retries, without acking, when QStash answers 500; the retry publishes it', async () => {
    const note = await putOnly('retry-me.txt')
    qstash.failPublishes(1, 500)
    expect(await dispatch(note)).toEqual({ acked: [], retried: [{ id: 'm0', delaySeconds: undefined }] })

    // Through the real queue: the failed attempt is retried and then accepted.
    qstash.failPublishes(1, 500)
    await pipeline.notify(note)
    await until('a second publish', () => qstash.publishes.length === 3)
    expect(qstash.publishes.map((p) => p.status)).toEqual([500, 500, 201])
    expect(pipeline.deadLetters).toEqual([])
  })

  it("retries after QStash's Retry-After on 429, and when QStash is unreachable", async () => {
    const note = await putOnly('busy.txt')
    qstash.failPublishes(1, 429, { 'retry-after': '7' })
    expect(await dispatch(note)).toEqual({ acked: [], retried: [{ id: 'm0', delaySeconds: 7 }] })
    qstash.failPublishes(1, 503, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() })
    const [retry] = (await dispatch(note)).retried
    expect(retry!.delaySeconds).toBeGreaterThanOrEqual(119)
    expect(retry!.delaySeconds).toBeLessThanOrEqual(121)

    unreachable = true
    expect(await dispatch(note)).toEqual({ acked: [], retried: [{ id: 'm0', delaySeconds: undefined }] })
    expect(qstash.publishes.filter((p) => p.status === 201)).toEqual([])
  })

  it('moves a message to the dead-letter queue after max retries when QStash keeps failing', async () => {
    const note = await putOnly('never.txt')
    qstash.failPublishes(MAX_RETRIES + 1, 503)
    await pipeline.notify(note)
    await until('the dead letter', () => pipeline.deadLetters.length === 1)
    expect(pipeline.deadLetters).toEqual([note])
    expect(qstash.publishes.map((p) => p.status)).toEqual([503, 503, 503])
  })

  it('acks and publishes nothing when the object was deleted before head()', async () => {
    const note = await putOnly('gone.txt')
    await (await pipeline.mf.getR2Bucket('UPLOAD_BUCKET', 'upload-consumer')).delete('gone.txt')
    expect(await dispatch(note)).toEqual({ acked: ['m0'], retried: [] })
    expect(qstash.publishes).toEqual([])
    await until('the log line', () => workerLog.some((line) => line.includes('gone.txt was deleted before it could be published')))
  })

  it('acks and skips deletes, overwritten versions and messages that are not R2 notifications', async () => {
    const old = await putOnly('replaced.txt', 'old')
    await putOnly('replaced.txt', 'new content')
    const deleted = r2Notification(pipeline.bucketName, 'DeleteObject', { key: 'replaced.txt' })
    expect(await dispatch(old, deleted, { hello: 'world' }, 'text')).toEqual({ acked: ['m0', 'm1', 'm2', 'm3'], retried: [] })
    expect(qstash.publishes).toEqual([])
  })

  it('publishes a batch of 50 objects as 50 publishes, at most PUBLISH_CONCURRENCY at once', async () => {
    const notes = await Promise.all(Array.from({ length: 50 }, (_, i) => putOnly(`batch/${i}.bin`, `object ${i}`)))
    qstash.publishLatencyMs = 20
    const result = await dispatch(...notes)
    expect(result.acked).toHaveLength(50)
    expect(result.retried).toEqual([])
    expect(qstash.publishes).toHaveLength(50)
    expect(new Set(published().map((b) => b.file.key)).size).toBe(50)
    expect(new Set(qstash.publishes.map((p) => p.headers['upstash-deduplication-id'])).size).toBe(50)
    expect(qstash.maxInFlight).toBeGreaterThan(1)
    expect(qstash.maxInFlight).toBeLessThanOrEqual(CONCURRENCY)
  })
})
